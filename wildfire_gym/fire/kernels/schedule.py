"""The serial schedule: every window and sweep of every member in one launch, one member per
thread (:func:`run_windows_serial`)."""

from wildfire_gym._taichi import ti

from .band import _mark_band
from .common import F32, F64, I32, INF, TILE, U8, U16, U32, U64
from .front import _finalize_cell
from .spread import _sweep
from .trees import _resolve_tree, _unresolve_tree


@ti.kernel
def run_windows_serial(
    arrival: F32,
    origin: I32,
    t_origin: F32,
    s_l: F32,
    s_a: F32,
    s_bx: F32,
    s_by: F32,
    arrival_n: F32,
    origin_n: I32,
    t_origin_n: F32,
    s_l_n: F32,
    s_a_n: F32,
    s_bx_n: F32,
    s_by_n: F32,
    ignition: F32,
    slow_a: F32,
    slow_bx: F32,
    slow_by: F32,
    ros_head: F32,
    intensity_per_ros: F32,
    ros: F32,
    intensity: F32,
    crown_active: U8,
    spot_prob: F32,
    tree_cell: I32,
    tree_xy: F32,
    tree_cbh: F32,
    tree_i0: F32,
    tree_state: U8,
    tree_time: F32,
    tile_tree_start: I32,
    tile_trees: I32,
    spot_par: F32,
    spot_seed: U32,
    tile_min: F32,
    tile_max: F32,
    reached: I32,
    stale: U64,
    dirs: U16,
    band: I32,
    relaxed: I32,
    changed_mask: U64,
    counts: I32,
    next_event: F32,
    spotted: I32,
    stats: I32,
    clock: F64,
    t_min: F32,
    cell_m: ti.f32,
    scorch_fraction: ti.f32,
    with_trees: ti.i32,
    max_sweeps: ti.i32,
):
    """Every time window of every member ``b`` from its clock ``clock[b, 0]`` to ``clock[b, 1]``
    (a member with ``clock[b, 1] <= clock[b, 0]`` is left alone), one member per thread.

    The schedule of :meth:`wildfire_gym.fire.engine.FireSim._run_windows_batched` (and of
    :func:`wildfire_gym.fire.spread_ref.simulate`), run serially for each scenario ``b``
    inside one launch: windows of ``clock[b, 2]`` seconds (``inf``: nothing can burn); in each,
    Jacobi sweeps of the band (:func:`_sweep`) until no cell arriving within the window
    changes and the band stops growing; then front rates, trees, spotting. Window bounds are
    float64 and compared as float32, as in the batched schedule, so both give the same bits.
    ``stats[b] += (sweeps, cells relaxed)``.
    """
    ray = ti.static((arrival, origin, t_origin, s_l, s_a, s_bx, s_by))
    nxt = ti.static((arrival_n, origin_n, t_origin_n, s_l_n, s_a_n, s_bx_n, s_by_n))
    nb = arrival.shape[0]
    ny, nx = arrival.shape[1], arrival.shape[2]
    tnx = tile_min.shape[2]
    ti.loop_config(block_dim=1)  # one scenario per task: scenarios differ widely in work
    for b in range(nb):
        w = clock[b, 2]
        until = clock[b, 1]
        t_final = clock[b, 0]
        t_window = ti.min(until, t_final + w)
        done = 0
        if not w < INF or not t_final < until:
            done = 1
        remark = 1 - done
        sweeps = 0
        n_band = 0
        while done == 0:
            skip = 0
            if remark != 0:
                _mark_band(b, tile_min, tile_max, reached, band, counts, next_event, ti.f32(t_final),
                           ti.f32(t_window))
                if counts[b, 0] == 0:
                    ne = ti.f64(next_event[b])
                    if ne <= until:
                        t_window = ti.min(until, ne + w)
                    else:
                        done = 1
                    skip = 1
                else:
                    remark = 0
                    n_band = counts[b, 1]
            if skip == 0:
                tf = ti.f32(t_final)
                tw = ti.f32(t_window)
                changed = _sweep(b, n_band, ray, nxt, ignition, slow_a, slow_bx, slow_by, tile_min, tile_max, stale,
                                 dirs, band, relaxed, changed_mask, stats, tf, tw, t_min[b], cell_m)
                sweeps += 1
                stats[b, 0] += 1
                if changed == 0:
                    old = n_band
                    _mark_band(b, tile_min, tile_max, reached, band, counts, next_event, tf, tw)
                    n_band = counts[b, 1]
                    if n_band <= old or sweeps > max_sweeps:
                        for q, c in ti.ndrange(n_band, TILE * TILE):
                            t = band[b, q]
                            iy = (t // tnx) * TILE + c // TILE
                            ix = (t % tnx) * TILE + c % TILE
                            if iy < ny and ix < nx:
                                _finalize_cell(b, iy, ix, arrival, ros_head, intensity_per_ros, ros,
                                               intensity, tw, cell_m)
                        spot = 0
                        if with_trees != 0:
                            spotted[b] = 0
                            # the trees standing in the band's tiles: every cell that arrived
                            # in this window lies in one (tile_trees lists each tile's trees)
                            for q in range(n_band):
                                t = band[b, q]
                                for k in range(tile_tree_start[b, t], tile_tree_start[b, t + 1]):
                                    _resolve_tree(b, tile_trees[b, k], arrival, ignition, slow_a, intensity,
                                                  crown_active, spot_prob, tree_cell, tree_xy, tree_cbh,
                                                  tree_i0, tree_state, tree_time, spot_par, spot_seed, spotted,
                                                  tile_min, stale, dirs, tw, cell_m, scorch_fraction, True)
                            spot = spotted[b]
                            if spot != 0:
                                for q in range(n_band):
                                    t = band[b, q]
                                    for k in range(tile_tree_start[b, t], tile_tree_start[b, t + 1]):
                                        _unresolve_tree(b, tile_trees[b, k], tree_state, tree_time, tf)
                        remark = 1
                        if spot == 0:
                            t_final = t_window
                            sweeps = 0
                            if t_final >= until:
                                done = 1
                            else:
                                t_window = ti.min(until, t_window + w)
