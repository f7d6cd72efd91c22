/// Time-steppers for a separable Hamiltonian `H(q, p) = ½‖p‖² + V(q)` on lists of tensors.
///
/// Positions `q` and momenta `p` are lists of tensors of equal shapes (a network's parameter
/// tensors, or a single vector in tests); `gradient(q)` returns ∇V(q) with the same shapes.
///
/// - ``explicitEuler(q:p:step:gradient:)`` is the non-symplectic reference: both updates read the
///   old state. On a harmonic oscillator its energy grows by the factor (1 + h²ω²) every step.
/// - ``symplecticEuler(q:p:step:damping:gradient:)`` updates p first and moves q with the new p. It
///   is symplectic (Jacobian determinant 1) and first order; its energy error stays bounded.
/// - ``leapfrog(q:p:step:damping:gradient:)`` (Störmer–Verlet, kick–drift–kick) is symplectic,
///   time-reversible and second order. It evaluates the gradient twice per step (at the start and
///   the end); on a fixed potential the second evaluation could be cached, but on mini-batches the
///   batch changes between steps, so it is not.
///
/// **Damping.** With `damping` μ ∈ (0, 1], the momentum is multiplied by μ per step (split as
/// √μ before and after for leapfrog): the conformal-symplectic schemes for the damped dynamics
/// `dp/dt = −∇V − γp` with μ = e^{−γh}. The flow then contracts the symplectic form by μ per
/// step, and the Jacobian determinant is μⁿ (n = number of momenta) instead of 1. μ = 1 is the
/// conservative, exactly symplectic case. Damping is what makes the scheme converge to a minimum
/// of V instead of orbiting it.
public enum Integrators {
    /// One explicit (forward) Euler step: `q' = q + h p`, `p' = p − h ∇V(q)`.
    public static func explicitEuler(q: inout [[Double]], p: inout [[Double]], step h: Double,
                                     gradient: ([[Double]]) throws -> [[Double]]) rethrows {
        let g = try gradient(q)
        for t in q.indices {
            for i in q[t].indices {
                let pi = p[t][i]
                p[t][i] = pi - h * g[t][i]
                q[t][i] += h * pi
            }
        }
    }

    /// One (conformal) symplectic Euler step: `p' = μ p − h ∇V(q)`, `q' = q + h p'`.
    ///
    /// With μ = 1 this is the documented update of the HNN paper's code README; with μ < 1 it is
    /// heavy-ball momentum with learning rate h² and momentum μ.
    public static func symplecticEuler(q: inout [[Double]], p: inout [[Double]], step h: Double, damping mu: Double = 1,
                                       gradient: ([[Double]]) throws -> [[Double]]) rethrows {
        let g = try gradient(q)
        for t in q.indices {
            g[t].withUnsafeBufferPointer { gp in
                p[t].withUnsafeMutableBufferPointer { pp in
                    q[t].withUnsafeMutableBufferPointer { qp in
                        for i in 0..<qp.count {
                            let np = mu * pp[i] - h * gp[i]
                            pp[i] = np
                            qp[i] += h * np
                        }
                    }
                }
            }
        }
    }

    /// One (conformal) leapfrog step, kick–drift–kick:
    /// `p ← √μ p`, `p ← p − (h/2)∇V(q)`, `q ← q + h p`, `p ← p − (h/2)∇V(q)`, `p ← √μ p`.
    public static func leapfrog(q: inout [[Double]], p: inout [[Double]], step h: Double, damping mu: Double = 1,
                                gradient: ([[Double]]) throws -> [[Double]]) rethrows {
        let s = mu.squareRoot()
        let g0 = try gradient(q)
        for t in q.indices {
            for i in q[t].indices {
                let half = s * p[t][i] - 0.5 * h * g0[t][i]
                p[t][i] = half
                q[t][i] += h * half
            }
        }
        let g1 = try gradient(q)
        for t in q.indices {
            for i in q[t].indices { p[t][i] = s * (p[t][i] - 0.5 * h * g1[t][i]) }
        }
    }
}
