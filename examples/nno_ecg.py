"""nno_ecg.py: a seeded synthetic ECG of normal and abnormal (PVC-like)
heartbeats, one window per beat, for the H-NNO reservoir example.

Waveform model (ECGSYN-like; McSharry, Clifford, Tarassenko & Smith, "A
dynamical model for generating synthetic electrocardiogram signals", IEEE
Trans. Biomed. Eng. 50:289 (2003), Table 1).  ECGSYN moves a point round a
limit cycle with phase theta (one turn per RR interval, R at theta = 0) and
drives z by dz/dt = -sum_i a_i dtheta_i omega exp(-dtheta_i^2 / 2 b_i^2);
without its baseline term that integrates to a sum of Gaussians in phase,
  z(theta) = sum_i a_i b_i^2 exp(-dtheta_i^2 / (2 b_i^2)),
dtheta_i = (theta - theta_i) wrapped to (-pi, pi], for the waves
i = P, Q, R, S, T with Table 1's
  theta_i = -pi/3, -pi/12, 0, pi/12, pi/2   (rad)
  a_i     =  1.2,  -5.0,  30.0, -7.5, 0.75
  b_i     =  0.25,  0.1,   0.1,  0.1, 0.4
(z in mV, R peak ~0.3 mV above baseline).  The phase of a window sample at
time t from the R peak is 2 pi t / RR.

Normal beat: RR ~ N(0.8, 0.05) s (75 bpm); every a_i, b_i scaled by
(1 + 0.08 xi), every theta_i shifted by 0.03 xi rad (xi ~ N(0, 1), per beat
and wave).
Abnormal beat, premature ventricular contraction (PVC)-like, as the
textbook PVC: no P wave (a_P = 0), a wide QRS (b_Q, b_R, b_S x 2.2) with
wave heights a b^2 1.3x the normal ones, a T wave discordant to the QRS
(a_T x -1, b_T x 1.3), and premature: RR x 0.7 (the phase runs faster).
Half the PVCs (drawn per beat) have QRS and T inverted (multifocal PVCs:
the QRS axis depends on the ectopic focus).  The same per-beat jitter.
Every beat, normal or not, is scaled by a lead
gain U(0.6, 1.4), so that height alone does not tell the classes apart.
Every beat: baseline wander 0.03 sin(2 pi f t + phi) mV with f ~ U(0.15,
0.4) Hz, white noise sigma 0.01 mV, and an R-peak detection error: the
window is shifted by U(-80, 80) ms.  Windows run from 250 ms before to
450 ms after the R peak (0.7 s) at fs = 250 Hz: 175 samples.
(The abnormal-beat changes are assumptions of this generator, shaped after
the standard description of a PVC, not fitted to a database.)
"""
import numpy as np

FS = 250.0            # Hz
T_PRE, T_POST = 0.25, 0.45  # s before / after the R peak
THETA = np.array([-np.pi / 3, -np.pi / 12, 0.0, np.pi / 12, np.pi / 2])
A = np.array([1.2, -5.0, 30.0, -7.5, 0.75])
B = np.array([0.25, 0.1, 0.1, 0.1, 0.4])


def beat(rng, abnormal):
    """One window (175 samples, mV) of a normal or PVC-like beat."""
    a, b, th = A.copy(), B.copy(), THETA.copy()
    rr = rng.normal(0.8, 0.05)
    if abnormal:
        a[0] = 0.0
        b[1:4] *= 2.2
        a[1:4] *= 1.3 / 2.2 ** 2  # wave heights (a b^2) 1.3x the normal
        a[4] *= -1.0
        b[4] *= 1.3
        if rng.random() < 0.5:  # ectopic focus on the other side: inverted
            a[1:] *= -1
        rr *= 0.7
    a *= 1 + 0.08 * rng.standard_normal(5)
    b *= 1 + 0.08 * rng.standard_normal(5)
    th += 0.03 * rng.standard_normal(5)
    shift = rng.uniform(-0.08, 0.08)
    t = np.arange(int(round((T_PRE + T_POST) * FS))) / FS - T_PRE + shift
    theta = 2 * np.pi * t / rr
    d = (theta[:, None] - th[None, :] + np.pi) % (2 * np.pi) - np.pi
    z = rng.uniform(0.6, 1.4) * (a * b * b * np.exp(-d * d / (2 * b * b))).sum(1)
    f, phi = rng.uniform(0.15, 0.4), rng.uniform(0, 2 * np.pi)
    z += 0.03 * np.sin(2 * np.pi * f * t + phi)
    z += 0.01 * rng.standard_normal(t.size)
    return z


def dataset(n, seed, p_abnormal=0.5):
    """(X [n, 175] mV, y [n] 0 normal / 1 abnormal), seeded."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < p_abnormal).astype(int)
    X = np.stack([beat(rng, bool(c)) for c in y])
    return X, y
