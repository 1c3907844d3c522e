"""Standard cell, synapse and electrode types of pyNN.memspike."""
from .cells import *          # noqa: F401,F403
from .synapses import *       # noqa: F401,F403
from .electrodes import *     # noqa: F401,F403
