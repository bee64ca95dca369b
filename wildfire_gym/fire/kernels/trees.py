"""Per-tree crown fire (scorch, torching, active crown) and spotting from torching trees, with
counter-based random numbers (the sampler of :mod:`wildfire_gym.fire.spotting`)."""

from wildfire_gym._taichi import ti

from .common import (
    _T_CROWN,
    _T_SCORCHED,
    _T_TORCHING,
    _T_UNBURNT,
    F32,
    I32,
    IGNITION_MASK,
    INF,
    TILE,
    U8,
    U16,
    U32,
    U64,
    _mark_stale,
)
from .front import _flame_length


@ti.func
def _hash_u32(x: ti.u32) -> ti.u32:
    """A 32-bit integer mixer (the 'lowbias32' constants of C. Wellons' hash prospector)."""
    h = x
    h ^= h >> ti.u32(16)
    h *= ti.u32(0x7FEB352D)
    h ^= h >> ti.u32(15)
    h *= ti.u32(0x846CA68B)
    h ^= h >> ti.u32(16)
    return h

@ti.func
def _uniform(seed: ti.u32, tree: ti.u32, ember: ti.u32, stream: ti.u32) -> ti.f32:
    """Counter-based uniform in (0, 1) from (seed, tree id, ember index, stream)."""
    h = _hash_u32(seed ^ _hash_u32(tree ^ _hash_u32(ember ^ _hash_u32(stream + ti.u32(0x9E3779B9)))))
    return (ti.f32(h >> ti.u32(8)) + 0.5) * (1.0 / 16777216.0)

@ti.func
def _unresolve_tree(b: ti.i32, n: ti.i32, tree_state: ti.template(), tree_time: ti.template(), tf: ti.f32):
    """Undo tree ``n``'s crown state if it was decided at or after ``tf``."""
    if tree_state[b, n] != _T_UNBURNT and tree_time[b, n] >= tf:
        tree_state[b, n] = ti.u8(_T_UNBURNT)
        tree_time[b, n] = INF

@ti.func
def _resolve_tree(
    b: ti.i32,
    n: ti.i32,
    arrival: ti.template(),
    ignition: ti.template(),
    slow_a: ti.template(),
    intensity: ti.template(),
    crown_active: ti.template(),
    spot_prob: ti.template(),
    tree_cell: ti.template(),
    tree_xy: ti.template(),
    tree_cbh: ti.template(),
    tree_i0: ti.template(),
    tree_state: ti.template(),
    tree_time: ti.template(),
    spot_par: ti.template(),
    spot_seed: ti.template(),
    spotted: ti.template(),
    tile_min: ti.template(),
    stale: ti.template(),
    dirs: ti.template(),
    tw: ti.f32,
    cell_m: ti.f32,
    scorch_fraction: ti.f32,
    mark_dirs: ti.template(),
):
    """Crown state of tree ``n`` whose cell burned by ``t_window``; embers from the ones that torch.

    ``spot_par[b] = (n_embers, log_mean, log_sigma, direction_deg, lateral_spread_deg,
    delay_s, max_distance_m)``: the sampler of :func:`wildfire_gym.fire.spotting.spot_landing_offsets`
    on the ember's uniforms ``u1..u4``: distance ``min(exp(log_mean + log_sigma z), max_distance_m)``
    m with ``z`` Box-Muller of ``(u1, u2)``, compass direction ``direction_deg + lateral_spread_deg
    (2 u3 - 1)``; the landing cell ignites at ``t_torch + delay_s`` where ``u4 < spot_prob`` there
    (:func:`~wildfire_gym.fire.spotting.ember_ignites`; the draws depend only on the member's seed,
    the tree id and the ember index). ``spotted[b]`` is set when an ember
    lowered an ignition time to at most ``tw`` (the window must then be relaxed again);
    ``stale`` marks the landing cell's tile for relaxation; with ``mark_dirs`` (the serial
    schedule, one member per thread: a plain read-modify-write of the 16-bit mask) the landing
    cell's ``dirs`` asks for its ignition candidate (the batched schedule relaxes every
    candidate and leaves ``dirs`` alone).
    """
    ny, nx = arrival.shape[1], arrival.shape[2]
    tny, tnx = tile_min.shape[1], tile_min.shape[2]
    cy = tree_cell[b, n, 0]
    cx = tree_cell[b, n, 1]
    if cy >= 0 and tree_state[b, n] == _T_UNBURNT:
        t_cell = arrival[b, cy, cx]
        if t_cell <= tw:
            inten = intensity[b, cy, cx]
            if inten >= tree_i0[b, n]:
                if crown_active[b, cy, cx] != 0:
                    tree_state[b, n] = ti.u8(_T_CROWN)
                else:
                    tree_state[b, n] = ti.u8(_T_TORCHING)
                tree_time[b, n] = t_cell
                n_emb = ti.i32(spot_par[b, 0])
                seed = spot_seed[b]
                for e in range(n_emb):
                    u1 = _uniform(seed, ti.u32(n), ti.u32(e), ti.u32(0))
                    u2 = _uniform(seed, ti.u32(n), ti.u32(e), ti.u32(1))
                    u3 = _uniform(seed, ti.u32(n), ti.u32(e), ti.u32(2))
                    u4 = _uniform(seed, ti.u32(n), ti.u32(e), ti.u32(3))
                    # the sampler of fire/spotting.py (spot_landing_offsets, ember_ignites) on these uniforms
                    z1 = ti.sqrt(-2.0 * ti.log(u1)) * ti.cos(6.283185307179586 * u2)
                    dist = ti.min(ti.exp(spot_par[b, 1] + spot_par[b, 2] * z1), spot_par[b, 6])
                    ang = (spot_par[b, 3] + spot_par[b, 4] * (2.0 * u3 - 1.0)) * 0.017453292519943295
                    lx = tree_xy[b, n, 0] + dist * ti.sin(ang)
                    ly = tree_xy[b, n, 1] + dist * ti.cos(ang)
                    if 0.0 <= lx < nx * cell_m and 0.0 <= ly < ny * cell_m:
                        jx = ti.min(ti.i32(lx / cell_m), nx - 1)
                        jy = ti.min(ti.i32(ly / cell_m), ny - 1)
                        t_land = t_cell + spot_par[b, 5]
                        if slow_a[b, jy, jx] < INF and u4 < spot_prob[b, jy, jx]:
                            if arrival[b, jy, jx] > t_land:
                                ti.atomic_min(ignition[b, jy, jx], t_land)
                                ti.atomic_min(tile_min[b, jy // TILE, jx // TILE], t_land)
                                _mark_stale(b, jy, jx, stale, tny, tnx)
                                if ti.static(mark_dirs):
                                    dirs[(b * ny + jy) * nx + jx] = dirs[(b * ny + jy) * nx + jx] | ti.u16(IGNITION_MASK)
                                if t_land <= tw:
                                    spotted[b] = 1
            elif _flame_length(intensity[b, cy, cx]) >= scorch_fraction * tree_cbh[b, n]:
                tree_state[b, n] = ti.u8(_T_SCORCHED)
                tree_time[b, n] = t_cell

@ti.kernel
def resolve_trees(
    arrival: F32,
    ignition: F32,
    slow_a: F32,
    intensity: F32,
    crown_active: U8,
    spot_prob: F32,
    tree_cell: I32,
    tree_xy: F32,
    tree_cbh: F32,
    tree_i0: F32,
    tree_state: U8,
    tree_time: F32,
    spot_par: F32,
    spot_seed: U32,
    spotted: I32,
    tile_min: F32,
    stale: U64,
    dirs: U16,
    fin: I32,
    t_window: F32,
    cell_m: ti.f32,
    scorch_fraction: ti.f32,
):
    """:func:`_resolve_tree` for every tree of the scenarios with ``fin[b]``."""
    nb, nt = tree_state.shape[0], tree_state.shape[1]
    for b, n in ti.ndrange(nb, nt):
        if fin[b] != 0:
            _resolve_tree(b, n, arrival, ignition, slow_a, intensity, crown_active, spot_prob,
                          tree_cell, tree_xy, tree_cbh, tree_i0, tree_state, tree_time, spot_par,
                          spot_seed, spotted, tile_min, stale, dirs, t_window[b], cell_m, scorch_fraction, False)

@ti.kernel
def unresolve_trees(tree_state: U8, tree_time: F32, redo: I32, t_final: F32):
    """Undo crown states decided at or after ``t_final[b]`` where ``redo[b]`` (re-decided
    once spot fires are relaxed)."""
    nb, nt = tree_state.shape[0], tree_state.shape[1]
    for b, n in ti.ndrange(nb, nt):
        if redo[b] != 0:
            _unresolve_tree(b, n, tree_state, tree_time, t_final[b])
