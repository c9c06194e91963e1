"""P-P reflection coefficients: exact Zoeppritz and the Aki–Richards / Shuey approximations.

All functions broadcast over numpy arrays; angles are incidence angles in degrees,
velocities in m/s, densities in any consistent unit (only ratios matter).
"""

from __future__ import annotations

import numpy as np


def zoeppritz_rpp(vp1, vs1, rho1, vp2, vs2, rho2, theta):
    """Exact P-P reflection coefficient (complex) of a plane P wave from medium 1 onto medium 2.

    Closed form of the 4x4 Zoeppritz system (Aki & Richards 1980, eq. 5.40). Past a
    critical angle the transmitted cosines are imaginary and the coefficient is complex;
    the tutorial's target is the real part.
    """
    th = np.radians(np.asarray(theta, dtype=float))
    p = np.sin(th) / vp1  # ray parameter
    p2 = p * p
    ci1 = np.cos(th).astype(complex)
    ci2 = np.sqrt((1 - p2 * vp2**2).astype(complex))
    cj1 = np.sqrt((1 - p2 * vs1**2).astype(complex))
    cj2 = np.sqrt((1 - p2 * vs2**2).astype(complex))
    a = rho2 * (1 - 2 * vs2**2 * p2) - rho1 * (1 - 2 * vs1**2 * p2)
    b = rho2 * (1 - 2 * vs2**2 * p2) + 2 * rho1 * vs1**2 * p2
    c = rho1 * (1 - 2 * vs1**2 * p2) + 2 * rho2 * vs2**2 * p2
    d = 2 * (rho2 * vs2**2 - rho1 * vs1**2)
    e = b * ci1 / vp1 + c * ci2 / vp2
    f = b * cj1 / vs1 + c * cj2 / vs2
    g = a - d * (ci1 / vp1) * (cj2 / vs2)
    h = a - d * (ci2 / vp2) * (cj1 / vs1)
    det = e * f + g * h * p2
    return ((b * ci1 / vp1 - c * ci2 / vp2) * f - (a + d * (ci1 / vp1) * (cj2 / vs2)) * h * p2) / det


def zoeppritz_rpp_matrix(vp1, vs1, rho1, vp2, vs2, rho2, theta):
    """The same coefficient by solving the 4x4 system for one interface (a slow cross-check)."""
    th = np.radians(float(theta))
    p = np.sin(th) / vp1
    i1, j1 = th, np.arcsin(complex(p * vs1))
    i2, j2 = np.arcsin(complex(p * vp2)), np.arcsin(complex(p * vs2))
    m = np.array([
        [-np.sin(i1), -np.cos(j1), np.sin(i2), np.cos(j2)],
        [np.cos(i1), -np.sin(j1), np.cos(i2), -np.sin(j2)],
        [2 * rho1 * vs1 * np.sin(j1) * np.cos(i1), rho1 * vs1 * (1 - 2 * np.sin(j1) ** 2),
         2 * rho2 * vs2 * np.sin(j2) * np.cos(i2), rho2 * vs2 * (1 - 2 * np.sin(j2) ** 2)],
        [-rho1 * vp1 * (1 - 2 * np.sin(j1) ** 2), rho1 * vs1 * np.sin(2 * j1),
         rho2 * vp2 * (1 - 2 * np.sin(j2) ** 2), -rho2 * vs2 * np.sin(2 * j2)],
    ], dtype=complex)
    rhs = np.array([np.sin(i1), np.cos(i1), 2 * rho1 * vs1 * np.sin(j1) * np.cos(i1),
                    rho1 * vp1 * (1 - 2 * np.sin(j1) ** 2)], dtype=complex)
    return np.linalg.solve(m, rhs)[0]


def _contrasts(vp1, vs1, rho1, vp2, vs2, rho2):
    vp, vs, rho = (vp1 + vp2) / 2, (vs1 + vs2) / 2, (rho1 + rho2) / 2
    return vp, vs, rho, (vp2 - vp1) / vp, (vs2 - vs1) / vs, (rho2 - rho1) / rho


def shuey_terms(vp1, vs1, rho1, vp2, vs2, rho2):
    """Intercept A, gradient B and curvature C: R(θ) ≈ A + B sin²θ + C (tan²θ − sin²θ)."""
    vp, vs, _, dvp, dvs, drho = _contrasts(vp1, vs1, rho1, vp2, vs2, rho2)
    k2 = (vs / vp) ** 2
    a = 0.5 * (dvp + drho)
    b = 0.5 * dvp - 2 * k2 * (drho + 2 * dvs)
    c = 0.5 * dvp
    return a, b, c


def shuey_rpp(vp1, vs1, rho1, vp2, vs2, rho2, theta):
    a, b, c = shuey_terms(vp1, vs1, rho1, vp2, vs2, rho2)
    th = np.radians(np.asarray(theta, dtype=float))
    s2 = np.sin(th) ** 2
    return a + b * s2 + c * (np.tan(th) ** 2 - s2)


def aki_richards_rpp(vp1, vs1, rho1, vp2, vs2, rho2, theta):
    """Aki–Richards linearised P-P coefficient at the mean of incidence and transmission angles."""
    vp, vs, _, dvp, dvs, drho = _contrasts(vp1, vs1, rho1, vp2, vs2, rho2)
    th1 = np.radians(np.asarray(theta, dtype=float))
    th2 = np.arcsin(np.clip(np.sin(th1) * vp2 / vp1, -1, 1))
    th = (th1 + th2) / 2
    k2, s2 = (vs / vp) ** 2, np.sin(th) ** 2
    return 0.5 * (1 - 4 * k2 * s2) * drho + dvp / (2 * np.cos(th) ** 2) - 4 * k2 * s2 * dvs


def shuey_inputs(rocks: np.ndarray, theta) -> np.ndarray:
    """Physics-carrying network inputs: the three Shuey terms evaluated at the angle, (n, 3)."""
    a, b, c = shuey_terms(*rocks.T)
    th = np.radians(np.asarray(theta, dtype=float))
    s2 = np.sin(th) ** 2
    return np.stack([a, b * s2, c * (np.tan(th) ** 2 - s2)], axis=1)
