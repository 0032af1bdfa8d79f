"""Compiled kernels for kinematics, path smoothing and path following (private).

The public, pure-Python forms live in :mod:`rover.kinematics` (``step``) and
:mod:`rover.follower`; these kernels implement the same arithmetic over plain arrays so that
the run loop (:mod:`rover.sim`) can drive thousands of steps per call. Tests check that the
two agree.

Cell tests used everywhere here: a cell is *drivable* when it has been seen (``seen`` != 0)
and its known cost is finite (and at most ``cap`` where a cap is given). Cells off the grid
are never drivable.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__: list[str] = []

# Status codes returned by _drive.
SENSE = 0      # drove the sensing distance (or the step budget): sense and replan
GOAL = 1       # within tolerance of the leg's target
BLOCKED = 2    # stopped: the way ahead is not known to be drivable
TIMEOUT = 3    # simulated time limit
ENERGY = 4     # energy budget used
FULL = 5       # trace buffer full: grow it and call again
PATH_END = 6   # at the end of the path but not within tolerance (should not happen)
REVERSED = 7   # _reverse: backed up and stopped (or could not move at all: 0 distance)

# Trace columns written by _drive.
TRACE_COLUMNS = ("t_s", "x_m", "y_m", "heading_rad", "speed_mps", "yaw_rate_rad_s",
                 "tilt_deg", "energy_wh", "leg")


@njit(cache=True, nogil=True)
def _wrap(a):
    """Angle wrapped to (-pi, pi]."""
    # (-pi, pi]: -pi maps to pi, as in rover.kinematics.wrap_angle.
    b = a - 2.0 * math.pi * math.floor((a + math.pi) / (2.0 * math.pi))
    if b <= -math.pi:
        b += 2.0 * math.pi
    return b


@njit(cache=True, nogil=True)
def _cell_at(x, y, h, R, C):
    """(row, col) of the cell of an R x C grid of ``h`` [m] cells that holds (x, y) [m],
    clipped to the grid: the kernels' :func:`rover.costmap.cell_index`."""
    return min(max(int(math.floor(y / h)), 0), R - 1), min(max(int(math.floor(x / h)), 0), C - 1)


@njit(cache=True, nogil=True)
def _room(t, dt, t_max):
    """True when a step of ``dt`` from time ``t`` ends within the limit ``t_max`` [s] (a step
    past it is never taken); the allowance absorbs the rounding of t summed step by step."""
    return t + dt <= t_max + 1e-9 * max(1.0, t_max)


@njit(cache=True, nogil=True)
def _cell_ok(known, seen, r, c, cap):
    R, C = known.shape
    if r < 0 or r >= R or c < 0 or c >= C:
        return False
    if seen[r, c] == 0:
        return False
    v = known[r, c]
    return v <= cap and math.isfinite(v)


@njit(cache=True, nogil=True)
def _segment_ok(x0, y0, x1, y1, known, seen, h, cap):
    """True when every cell the segment (x0, y0)-(x1, y1) [m] touches is drivable with a
    known cost <= ``cap`` (and finite). A segment through a cell corner touches all the
    cells around that corner (supercover), so diagonal corner cutting is never allowed."""
    gx0 = x0 / h
    gy0 = y0 / h
    gx1 = x1 / h
    gy1 = y1 / h
    c = int(math.floor(gx0))
    r = int(math.floor(gy0))
    ce = int(math.floor(gx1))
    re = int(math.floor(gy1))
    if not _cell_ok(known, seen, r, c, cap) or not math.isfinite(known[r, c]):
        return False
    dx = gx1 - gx0
    dy = gy1 - gy0
    stepc = 1 if dx > 0 else -1
    stepr = 1 if dy > 0 else -1
    eps = 1e-9
    if abs(dx) < eps:
        tmx = np.inf
        tdx = np.inf
    else:
        nb = c + 1 if dx > 0 else c
        tmx = (nb - gx0) / dx
        tdx = 1.0 / abs(dx)
    if abs(dy) < eps:
        tmy = np.inf
        tdy = np.inf
    else:
        nb = r + 1 if dy > 0 else r
        tmy = (nb - gy0) / dy
        tdy = 1.0 / abs(dy)
    guard = 0
    while (c != ce or r != re) and guard < 100000:
        guard += 1
        if tmx > 1.0 + eps and tmy > 1.0 + eps:
            break
        if abs(tmx - tmy) < 1e-9:
            # Through a corner: both side cells count.
            if not _cell_ok(known, seen, r, c + stepc, cap) or not math.isfinite(known[r, c + stepc]):
                return False
            if not _cell_ok(known, seen, r + stepr, c, cap) or not math.isfinite(known[r + stepr, c]):
                return False
            c += stepc
            r += stepr
            tmx += tdx
            tmy += tdy
        elif tmx < tmy:
            c += stepc
            tmx += tdx
        else:
            r += stepr
            tmy += tdy
        if not _cell_ok(known, seen, r, c, cap) or not math.isfinite(known[r, c]):
            return False
    return True


@njit(cache=True, nogil=True)
def _smooth(cells, n_cells, x0, y0, gx, gy, known, seen, h, max_len_m, out):
    """Line-of-sight shortcuts over a cell path, from the rover's position.

    ``cells`` (N, 2) int64 row/col start to goal; the polyline written to ``out`` (N + 2, 2)
    float64 starts at the rover (x0, y0) and ends at the exact target point (gx, gy), which
    lies in the last cell. From each anchor, the next vertex is the farthest path cell whose
    straight segment touches only seen, finite cells no costlier than the dearest path cell
    it replaces (so a shortcut never trades easy ground for worse). Only the first
    ``max_len_m`` of path are smoothed (the rover replans long before the rest); beyond that
    the cell centres are kept. Returns the number of vertices.
    """
    nv = 0
    out[0, 0] = x0
    out[0, 1] = y0
    nv = 1
    ax = x0
    ay = y0
    i = 0  # index of the anchor's path cell (the rover is in cell 0)
    travelled = 0.0
    while i < n_cells - 1:
        if travelled > max_len_m:
            break
        best = i + 1
        cap = 0.0
        for k in range(i, n_cells):
            v = known[cells[k, 0], cells[k, 1]]
            if k > i + 64:
                break
            if v > cap:
                cap = v
            if k <= i:
                continue
            tx = (cells[k, 1] + 0.5) * h
            ty = (cells[k, 0] + 0.5) * h
            if _segment_ok(ax, ay, tx, ty, known, seen, h, cap):
                best = k
            elif k > best + 3:
                break
        # With no shortcut, best is the next path cell: a plain step the planner vouches for.
        tx = (cells[best, 1] + 0.5) * h
        ty = (cells[best, 0] + 0.5) * h
        travelled += math.hypot(tx - ax, ty - ay)
        out[nv, 0] = tx
        out[nv, 1] = ty
        nv += 1
        ax = tx
        ay = ty
        i = best
    while i < n_cells - 1:
        i += 1
        out[nv, 0] = (cells[i, 1] + 0.5) * h
        out[nv, 1] = (cells[i, 0] + 0.5) * h
        nv += 1
    if math.hypot(out[nv - 1, 0] - gx, out[nv - 1, 1] - gy) > 1e-12:
        out[nv, 0] = gx
        out[nv, 1] = gy
        nv += 1
    return nv


@njit(cache=True, nogil=True)
def _next_speed(v, v_cmd, v_lim, vmax, amax, dt):
    """The speed [m/s] :func:`_step` reaches from ``v`` under ``v_cmd``."""
    target = v_cmd
    if target > v_lim:
        target = v_lim
    if target > vmax:
        target = vmax
    if target < 0.0:
        target = 0.0
    dv = target - v
    lim = amax * dt
    if dv > lim:
        dv = lim
    elif dv < -lim:
        dv = -lim
    vn = v + dv
    if vn < 0.0:
        vn = 0.0
    if vn > vmax:
        vn = vmax
    return vn


@njit(cache=True, nogil=True)
def _pursuit_point(path, nv, j, x, y, dist, out):
    """The point ``dist`` [m] along the polyline that runs from (x, y) through vertices
    ``j``, ``j + 1``, ... (the last vertex when the polyline is shorter); into ``out`` (2,)."""
    px = x
    py = y
    left = dist
    k = j
    while k < nv:
        qx = path[k, 0]
        qy = path[k, 1]
        seg = math.hypot(qx - px, qy - py)
        if seg >= left and seg > 0.0:
            f = left / seg
            out[0] = px + (qx - px) * f
            out[1] = py + (qy - py) * f
            return
        left -= seg
        px = qx
        py = qy
        k += 1
    out[0] = px
    out[1] = py


@njit(cache=True, nogil=True)
def _arc_free(x, y, th, kappa, length, known, seen, h):
    """Length [m], up to ``length``, of the arc of curvature ``kappa`` [1/m] leaving
    (x, y) [m] along heading ``th`` [rad] over which every cell is drivable (checked as
    chords of at most half a cell)."""
    n = int(math.ceil(length / (0.5 * h)))
    if n < 1:
        n = 1
    ds = length / n
    px = x
    py = y
    for i in range(1, n + 1):
        sl = ds * i
        if abs(kappa) > 1e-12:
            qx = x + (math.sin(th + kappa * sl) - math.sin(th)) / kappa
            qy = y - (math.cos(th + kappa * sl) - math.cos(th)) / kappa
        else:
            qx = x + sl * math.cos(th)
            qy = y + sl * math.sin(th)
        if not _segment_ok(px, py, qx, qy, known, seen, h, np.inf):
            return ds * (i - 1)
        px = qx
        py = qy
    return length


@njit(inline="always")
def _arc(x, y, th, v, w, dt):
    """(x, y, heading) after ``dt`` [s] at signed speed ``v`` [m/s] (negative: backing up) and
    yaw rate ``w`` [rad/s] from (x, y, th): the exact circular arc (a line when w ~ 0);
    the heading is not wrapped."""
    if abs(w) > 1e-12:
        thn = th + w * dt
        return (x + v / w * (math.sin(thn) - math.sin(th)),
                y - v / w * (math.cos(thn) - math.cos(th)), thn)
    return x + v * dt * math.cos(th), y + v * dt * math.sin(th), th


@njit(cache=True, nogil=True)
def _step(x, y, th, v, w, v_cmd, w_cmd, v_lim, vmax, amax, wmax, turn_in_place, rmin, dt, out):
    """One time step of the unicycle model; writes (x, y, heading, speed, yaw rate) to ``out``.

    Speed moves toward ``min(v_cmd, v_lim, vmax)`` (never below 0) by at most ``amax * dt``
    and never exceeds ``vmax``; the yaw rate is ``w_cmd`` clipped to ``wmax`` (and, when the
    rover cannot turn in place, to ``v / rmin``). The pose integrates the new speed and yaw
    rate exactly over ``dt`` (a circular arc).
    """
    vn = _next_speed(v, v_cmd, v_lim, vmax, amax, dt)
    wl = wmax
    if not turn_in_place:
        wl2 = vn / rmin
        if wl2 < wl:
            wl = wl2
    wn = w_cmd
    if wn > wl:
        wn = wl
    elif wn < -wl:
        wn = -wl
    xn, yn, thn = _arc(x, y, th, vn, wn, dt)
    out[0] = xn
    out[1] = yn
    out[2] = _wrap(thn)
    out[3] = vn
    out[4] = wn


@njit(inline="always")
def _step_energy(pitch_grad, g, speed, w, vmax, wmax, mass, gravity, crr, p_drive, eta, dt):
    """Energy [Wh] of one step of ``dt`` [s] at ``speed`` >= 0 [m/s] and yaw rate ``w``: the
    drive power scaled by activity (the larger of speed / vmax and |w| / wmax, at most 1) plus
    rolling resistance and climbing over the drivetrain efficiency; ``pitch_grad`` is the
    slope [m/m] along the motion, ``g`` the slope's magnitude under the rover."""
    cos_t = 1.0 / math.sqrt(1.0 + g * g)
    sin_p = pitch_grad / math.sqrt(1.0 + pitch_grad * pitch_grad)
    act = speed / vmax
    if abs(w) / wmax > act:
        act = abs(w) / wmax
    if act > 1.0:
        act = 1.0
    mech = mass * gravity * speed * (crr * cos_t + sin_p)
    if mech < 0.0:
        mech = 0.0
    p = p_drive * act + mech / eta
    return p * dt / 3600.0


@njit(inline="always")
def _trace_row(trace, n, t, x, y, th, v, w, e, leg, slope_x, slope_y, h):
    """Write trace row ``n`` (columns :data:`TRACE_COLUMNS`); the tilt is where the step
    ends (the speed limit and the energy used the slope under the rover during the step)."""
    R, C = slope_x.shape
    trace[n, 0] = t
    trace[n, 1] = x
    trace[n, 2] = y
    trace[n, 3] = th
    trace[n, 4] = v
    trace[n, 5] = w
    rc, cc = _cell_at(x, y, h, R, C)
    trace[n, 6] = math.degrees(math.atan(math.hypot(slope_x[rc, cc], slope_y[rc, cc])))
    trace[n, 7] = e
    trace[n, 8] = leg


@njit(cache=True, nogil=True)
def _brake_dist(v, amax, dt):
    """Distance [m] covered while braking from ``v`` at ``amax`` with steps of ``dt``."""
    d = 0.0
    while v > 0.0:
        v -= amax * dt
        if v < 0.0:
            v = 0.0
        d += v * dt
    return d


@njit(cache=True, nogil=True)
def _arc_ok(x, y, th, xn, yn, v, w, dt, known, seen, h):
    """True when every cell the arc from (x, y) along heading ``th`` at signed speed ``v``
    [m/s] and yaw rate ``w`` [rad/s] for ``dt`` [s] can touch is drivable; (xn, yn) is its
    end as the caller computed it.

    The arc is cut into pieces of at most a quarter turn that bulge at most h/8 from their
    chords. A piece lies in the rectangle between its chord and the parallel through the
    piece's middle, and a cell (side h) that meets a rectangle narrower than itself meets
    one of the rectangle's four sides: those are checked (supercover), so no cell the arc
    crosses is missed, however long or sharp the step (checking the chords alone missed
    the bulge of a step that turns tens of degrees, possible with a long time step).
    """
    inf = np.inf
    turn = abs(w * dt)
    if not (math.isfinite(turn) and math.isfinite(v)):
        return False  # (never in a run: a NaN would otherwise skip every piece)
    if turn <= 1e-12 or v == 0.0:
        return (xn == x and yn == y) or _segment_ok(x, y, xn, yn, known, seen, h, inf)
    radius = abs(v / w)
    n = int(math.ceil(turn / (0.5 * math.pi)))
    c = 1.0 - 0.125 * h / radius  # cos of the half angle of a piece that bulges h/8
    if c > -1.0:
        n = max(n, int(math.ceil(turn / (2.0 * math.acos(c)))))
    px = x
    py = y
    for i in range(1, n + 1):
        if i == n:
            qx = xn
            qy = yn
        else:
            qx, qy, _ = _arc(x, y, th, v, w, dt * i / n)
        mx, my, _ = _arc(x, y, th, v, w, dt * (i - 0.5) / n)
        dx = mx - 0.5 * (px + qx)
        dy = my - 0.5 * (py + qy)
        if not (_segment_ok(px, py, qx, qy, known, seen, h, inf)
                and _segment_ok(px + dx, py + dy, qx + dx, qy + dy, known, seen, h, inf)
                and _segment_ok(px, py, px + dx, py + dy, known, seen, h, inf)
                and _segment_ok(qx, qy, qx + dx, qy + dy, known, seen, h, inf)):
            return False
        px = qx
        py = qy
    return True


@njit(cache=True, nogil=True)
def _motion_ok(x, y, th, xn, yn, thn, vn, wn, amax, dt, known, seen, h):
    """Guard: the step from (x, y) to (xn, yn) at signed speed ``vn`` (negative: backing up;
    :func:`_arc_ok`) and a straight full-brake stop from the new state, in the direction of
    travel, touch only drivable cells."""
    if not _arc_ok(x, y, th, xn, yn, vn, wn, dt, known, seen, h):
        return False
    db = _brake_dist(abs(vn), amax, dt)
    if db > 0.0:
        if vn < 0.0:
            db = -db
        if not _segment_ok(xn, yn, xn + db * math.cos(thn), yn + db * math.sin(thn), known,
                           seen, h, np.inf):
            return False
    return True


@njit(cache=True, nogil=True)
def _free_distance(path, nv, j, x, y, known, seen, h, limit):
    """Distance [m] along the polyline from (x, y) through vertex ``j`` onward that stays on
    drivable cells, up to ``limit``."""
    d = 0.0
    px = x
    py = y
    step = 0.25 * h
    k = j
    while k < nv and d < limit:
        qx = path[k, 0]
        qy = path[k, 1]
        seg = math.hypot(qx - px, qy - py)
        n = int(math.ceil(seg / step))
        for s in range(1, n + 1):
            f = s / n
            sx = px + (qx - px) * f
            sy = py + (qy - py) * f
            r = int(math.floor(sy / h))
            c = int(math.floor(sx / h))
            if not _cell_ok(known, seen, r, c, np.inf) or not math.isfinite(known[r, c]):
                # Stop half a sample short of the first bad sample.
                return max(d + seg * (s - 1) / n - 0.5 * step, 0.0)
        d += seg
        px = qx
        py = qy
        k += 1
    return d


@njit(cache=True, nogil=True)
def _drive(state, t0, energy0, leg, path, nv, known, seen, slope_x, slope_y, h,
           vmax, amax, wmax, turn_in_place, rmin, tan_max_tilt, align_tol, dt,
           budget_m, max_steps, goal_x, goal_y, goal_tol, t_max, e_max,
           mass, gravity, crr, p_drive, eta, trace, n0, out):
    """Follow the polyline ``path[:nv]`` from ``state`` (x, y, heading, speed, yaw rate;
    updated in place) until the leg's goal, the sensing distance ``budget_m``, a limit, or a
    stop. Every step is checked by :func:`_motion_ok`; when the commanded step fails it,
    the rover brakes straight (that stop was verified on the previous step, so it is always
    safe). Appends rows to ``trace`` (cap, 9) from row ``n0``.

    Each step: stop when there is a reason to (:func:`_why_stop`); steer for the next
    vertex not yet reached (:func:`_next_vertex`); take the speed the slope allows
    (:func:`_slope_speed`); command a speed and yaw rate (:func:`_pursuit_command` for a
    rover that cannot turn in place, :func:`_vertex_command` for one that can); take the
    step if it is safe, else turn on the spot or brake (:func:`_guarded_step`); pay its
    energy and record it.

    ``out`` (4,) float64 receives: rows written, distance driven [m], time [s], energy [Wh]
    (time and energy are the new totals). Returns a status code (SENSE, GOAL, ...).
    """
    cap = trace.shape[0]
    R, C = known.shape
    x = state[0]
    y = state[1]
    th = state[2]
    v = state[3]
    w = state[4]
    t = t0
    e = energy0
    dist = 0.0
    n = n0
    j = 1 if nv > 1 else 0
    nxt = np.empty(5)
    status = SENSE
    steps = 0
    lookahead = vmax * dt + vmax * vmax / (2.0 * amax) + 2.0 * h
    pp = np.empty(2)
    while True:
        status = _why_stop(x, y, goal_x, goal_y, goal_tol, t, dt, t_max, e, e_max, n, cap,
                           dist, budget_m, steps, max_steps)
        if status >= 0:
            break
        j = _next_vertex(path, nv, j, x, y, h)
        tx = path[j, 0]
        ty = path[j, 1]
        dtarget = math.hypot(tx - x, ty - y)
        if dtarget < 1e-9:
            if j >= nv - 1:
                status = PATH_END
                break
            err = 0.0
        else:
            err = _wrap(math.atan2(ty - y, tx - x) - th)
        gxs, gys, g, v_lim = _slope_speed(x, y, slope_x, slope_y, h, R, C, vmax, tan_max_tilt)
        if not turn_in_place:
            v_cmd, w_cmd = _pursuit_command(path, nv, j, x, y, th, v, v_lim, dtarget, known,
                                            seen, h, R, C, vmax, amax, wmax, rmin, dt,
                                            lookahead, pp)
        else:
            v_cmd, w_cmd = _vertex_command(path, nv, j, x, y, tx, ty, err, dtarget, v_lim,
                                           known, seen, h, amax, dt, align_tol, lookahead)
        blocked, turned = _guarded_step(x, y, th, v, w, v_cmd, w_cmd, v_lim, err, vmax, amax,
                                        wmax, turn_in_place, rmin, dt, known, seen, h, nxt)
        xn = nxt[0]
        yn = nxt[1]
        vn = nxt[3]
        wn = nxt[4]
        ds = math.hypot(xn - x, yn - y)
        de = _step_energy(gxs * math.cos(th) + gys * math.sin(th), g, vn, wn, vmax, wmax, mass,
                          gravity, crr, p_drive, eta, dt)
        if e + de > e_max:
            # Not enough energy left for this step: stop before it, within the budget.
            status = ENERGY
            break
        e += de
        t += dt
        x = xn
        y = yn
        th = nxt[2]
        v = vn
        w = wn
        dist += ds
        steps += 1
        _trace_row(trace, n, t, x, y, th, v, w, e, leg, slope_x, slope_y, h)
        n += 1
        if v == 0.0 and not turned and (blocked or (ds == 0.0 and abs(err) <= align_tol)):
            # Stopped with nothing left to do here (the way ahead is not known to be
            # drivable): sensing from this pose must come first.
            status = BLOCKED
            break
    state[0] = x
    state[1] = y
    state[2] = th
    state[3] = v
    state[4] = w
    out[0] = n - n0
    out[1] = dist
    out[2] = t
    out[3] = e
    return status


@njit(inline="always")
def _why_stop(x, y, goal_x, goal_y, goal_tol, t, dt, t_max, e, e_max, n, cap, dist,
              budget_m, steps, max_steps):
    """The status a drive stops with before taking another step, or -1 to go on: at the
    leg's goal, at the time or energy limit, with the trace buffer full, or after the
    sensing distance ``budget_m`` [m] (or ``max_steps`` steps)."""
    if math.hypot(goal_x - x, goal_y - y) <= goal_tol:
        return GOAL
    if not _room(t, dt, t_max):
        return TIMEOUT
    if e >= e_max:
        return ENERGY
    if n >= cap:
        return FULL
    if dist >= budget_m or steps >= max_steps:
        return SENSE
    return -1


@njit(inline="always")
def _next_vertex(path, nv, j, x, y, h):
    """The index of the vertex to steer for, from ``j`` on: past the vertices the rover
    at (x, y) [m] has reached (within 5% of a cell) or passed."""
    while j < nv - 1:
        dx = path[j, 0] - x
        dy = path[j, 1] - y
        if dx * dx + dy * dy <= (0.05 * h) ** 2:
            j += 1
            continue
        sx = path[j, 0] - path[j - 1, 0]
        sy = path[j, 1] - path[j - 1, 1]
        if sx * (x - path[j, 0]) + sy * (y - path[j, 1]) >= 0.0:
            j += 1
            continue
        break
    return j


@njit(inline="always")
def _slope_speed(x, y, slope_x, slope_y, h, R, C, vmax, tan_max_tilt):
    """(slope x, slope y, slope magnitude [m/m], speed limit [m/s]) under the rover at
    (x, y): the top speed, halved at the steepest slope the rover may drive."""
    rc, cc = _cell_at(x, y, h, R, C)
    gxs = slope_x[rc, cc]
    gys = slope_y[rc, cc]
    g = math.sqrt(gxs * gxs + gys * gys)
    frac = g / tan_max_tilt
    if frac > 1.0:
        frac = 1.0
    return gxs, gys, g, vmax * (1.0 - 0.5 * frac)


@njit(inline="always")
def _pursuit_command(path, nv, j, x, y, th, v, v_lim, dtarget, known, seen, h, R, C, vmax,
                     amax, wmax, rmin, dt, lookahead, pp):
    """(speed [m/s], yaw rate [rad/s]) commanded to a rover that cannot turn in place:
    pure pursuit, the arc through a point ahead on the path, its curvature held to the
    turning radius ``rmin`` [m]. The rover slows on tight arcs but never stops to turn (at
    rest it cannot): it creeps on at the slowest speed a step can have, and the guard still
    checks every step. ``pp`` (2,) is scratch space."""
    kmax = 1.0 / rmin
    look = max(rmin, 2.0 * h)
    creep = amax * dt
    # A quarter turn, but no longer than the grid (arcs off it end there anyway).
    horizon = min(0.5 * math.pi * rmin + h, (R + C) * h)
    n_arcs = 9
    _pursuit_point(path, nv, j, x, y, look, pp)
    lx = pp[0] - x
    ly = pp[1] - y
    ld = math.hypot(lx, ly)
    kappa = 0.0
    if ld > 1e-9:
        alpha = _wrap(math.atan2(ly, lx) - th)
        if abs(alpha) >= 0.5 * math.pi:
            kappa = kmax if alpha > 0.0 else -kmax
        else:
            kappa = 2.0 * math.sin(alpha) / ld
            if kappa > kmax:
                kappa = kmax
            elif kappa < -kmax:
                kappa = -kmax
    # It must not drive into a pocket it cannot turn out of: among arcs from full left to
    # full right lock (and the pursuit arc), take the one nearest the pursuit arc that stays
    # on drivable ground for a quarter turn (or up to the target), else the one that stays
    # on it longest.
    dend = math.hypot(path[nv - 1, 0] - x, path[nv - 1, 1] - y)
    need = min(horizon, dend)
    best_k = kappa
    best_f = -1.0
    best_d = np.inf
    for ci in range(n_arcs + 1):
        if ci == n_arcs:
            kc = kappa
        else:
            kc = -kmax + 2.0 * kmax * ci / (n_arcs - 1)
        fc = _arc_free(x, y, th, kc, horizon, known, seen, h)
        if fc > need:
            fc = need
        dc = abs(kc - kappa)
        if fc > best_f + 1e-9 or (fc > best_f - 1e-9 and dc < best_d):
            best_k = kc
            best_f = fc
            best_d = dc
    kappa = best_k
    v_cmd = v_lim * (1.0 - 0.75 * abs(kappa) / kmax)
    if abs(kappa) > 1e-12 and wmax / abs(kappa) < v_cmd:
        v_cmd = wmax / abs(kappa)
    if j >= nv - 1:
        vs = min(dtarget / dt, math.sqrt(2.0 * amax * dtarget))
        if vs < v_cmd:
            v_cmd = vs
    # Never outrun the drivable ground along the chosen arc.
    dfree = _arc_free(x, y, th, kappa, lookahead, known, seen, h)
    vf = amax * (-dt + math.sqrt(dt * dt + 2.0 * dfree / amax))
    if vf < v_cmd:
        v_cmd = vf
    if v_cmd < creep:
        v_cmd = creep
    return v_cmd, kappa * _next_speed(v, v_cmd, v_lim, vmax, amax, dt)


@njit(inline="always")
def _vertex_command(path, nv, j, x, y, tx, ty, err, dtarget, v_lim, known, seen, h, amax, dt,
                    align_tol, lookahead):
    """(speed [m/s], yaw rate [rad/s]) commanded to a rover that can turn in place, toward
    vertex ``j`` at (tx, ty) [m], ``err`` [rad] off its heading: turn on the spot when badly
    misaligned, else drive at the slope's speed ``v_lim``, stopping at a vertex where the
    path turns sharply and at its end, and never outrunning the ground known drivable."""
    if abs(err) > align_tol:
        return 0.0, err / dt
    v_cmd = v_lim
    stop_here = j >= nv - 1
    if not stop_here:
        ax = path[j + 1, 0] - tx
        ay = path[j + 1, 1] - ty
        bx = tx - x
        by = ty - y
        turn = abs(_wrap(math.atan2(ay, ax) - math.atan2(by, bx)))
        stop_here = turn > align_tol
    if stop_here:
        vs = min(dtarget / dt, math.sqrt(2.0 * amax * dtarget))
        if vs < v_cmd:
            v_cmd = vs
    dfree = _free_distance(path, nv, j, x, y, known, seen, h, lookahead)
    vf = amax * (-dt + math.sqrt(dt * dt + 2.0 * dfree / amax))
    if vf < v_cmd:
        v_cmd = vf
    return v_cmd, err / dt


@njit(inline="always")
def _guarded_step(x, y, th, v, w, v_cmd, w_cmd, v_lim, err, vmax, amax, wmax, turn_in_place,
                  rmin, dt, known, seen, h, nxt):
    """The commanded step from (x, y, th, v, w) into ``nxt`` (5,) when :func:`_motion_ok`
    passes it; else a turn on the spot toward the vertex (a rover at rest that can, ``err``
    [rad] off) or a straight brake, verified safe on the previous step. Returns (blocked:
    braked, turned: turned on the spot instead)."""
    _step(x, y, th, v, w, v_cmd, w_cmd, v_lim, vmax, amax, wmax, turn_in_place, rmin, dt, nxt)
    if _motion_ok(x, y, th, nxt[0], nxt[1], nxt[2], nxt[3], nxt[4], amax, dt, known, seen, h):
        return False, False
    if turn_in_place and v == 0.0 and abs(err) > 1e-9:
        # At rest and only roughly aligned (within align_tol), the straight line along the
        # heading can leave the drivable corridor that the exact segment keeps to: turn on
        # the spot toward the vertex instead (the position does not change, so this is
        # always safe), then drive along the segment.
        _step(x, y, th, 0.0, w, 0.0, err / dt, v_lim, vmax, amax, wmax, turn_in_place, rmin,
              dt, nxt)
        return False, True
    # (Braking, no yaw rate is commanded, so the turn-in-place flag changes nothing here;
    # passing it rather than a literal True spares compiling a second version of _step.)
    _step(x, y, th, v, w, 0.0, 0.0, v_lim, vmax, amax, wmax, turn_in_place, rmin, dt, nxt)
    return True, False


def reverse_steps(rmin, vmax, amax, dt, scale=1.0):
    """Trace rows to leave free for one :func:`_reverse` (it brakes early rather than write
    past them): its longest arc (a quarter turn times ``scale``) at the slowest cruise (a
    quarter of the top speed, on the steepest slope), plus speeding up and braking."""
    length = 0.5 * math.pi * rmin * scale
    v = max(0.25 * vmax, 1e-12)
    return int(math.ceil(length / (v * dt) + 2.0 * vmax / (amax * dt))) + 16


@njit(cache=True, nogil=True)
def _reverse(state, t0, energy0, leg, tx, ty, scale, known, seen, slope_x, slope_y, h,
             vmax, amax, wmax, rmin, tan_max_tilt, dt, t_max, e_max,
             mass, gravity, crr, p_drive, eta, trace, n0, out):
    """Back a rover that cannot turn in place out of a pocket: from rest, reverse along an arc
    at full lock *away* from the point ``(tx, ty)`` [m], which swings the nose toward it, by
    the arc length that turns the heading onto it (at least one turn radius, at most a
    quarter turn), times ``scale`` (the caller doubles it when the last back-up did not get
    the rover out, up to 4), then stop. A point almost straight ahead is backed away from in
    a straight line. When not even the first step of that arc is free, backing straight and
    then at the opposite lock are tried. Every step is checked as forward steps are
    (:func:`_motion_ok`, with the braking stop behind the rover); when a step fails, the
    rover brakes on the straight line behind it that the previous step verified. Speeds are
    at most half the top speed, within the acceleration and yaw-rate limits; the trace records
    them negative. ``state`` (stopped) is updated in place; ``out`` as for :func:`_drive`. The
    caller leaves room for :func:`reverse_steps` rows. Returns REVERSED (``out[1]`` 0 when no
    way back was free), TIMEOUT or ENERGY.
    """
    kmax = 1.0 / rmin
    err = _wrap(math.atan2(ty - state[1], tx - state[0]) - state[2])
    first = 0.0 if abs(err) < 0.2 else (-kmax if err > 0.0 else kmax)
    length = rmin * min(max(abs(err), 1.0), 0.5 * math.pi) * scale
    status = REVERSED
    for i in range(3 if first != 0.0 else 1):  # the arc, then straight, then the other lock
        kappa = first if i == 0 else (0.0 if i == 1 else -first)
        status = _back_up(state, t0, energy0, leg, kappa, length, known, seen, slope_x,
                          slope_y, h, vmax, amax, wmax, tan_max_tilt, dt, t_max, e_max, mass,
                          gravity, crr, p_drive, eta, trace, n0, out)
        if status != REVERSED or out[1] > 0.0:
            break
    return status


@njit(cache=True, nogil=True)
def _back_up(state, t0, energy0, leg, kappa, length, known, seen, slope_x, slope_y, h,
             vmax, amax, wmax, tan_max_tilt, dt, t_max, e_max, mass, gravity, crr, p_drive,
             eta, trace, n0, out):
    """One back-up of :func:`_reverse` at curvature ``kappa`` [1/m] over ``length`` [m]; it
    writes nothing and leaves ``state`` as it was when its first step is not free."""
    R, C = known.shape
    cap = trace.shape[0]
    x = state[0]
    y = state[1]
    th = state[2]
    t = t0
    e = energy0
    n = n0
    vm = 0.0  # speed magnitude (the rover moves backward)
    dist = 0.0
    braking = False
    status = REVERSED
    while True:
        rc, cc = _cell_at(x, y, h, R, C)
        gxs = slope_x[rc, cc]
        gys = slope_y[rc, cc]
        g = math.sqrt(gxs * gxs + gys * gys)
        frac = min(g / tan_max_tilt, 1.0)
        v_cap = 0.5 * vmax * (1.0 - 0.5 * frac)
        remaining = length - dist
        if n + 4 + vm / (amax * dt) >= cap:
            braking = True  # the rows left are needed to stop (never reached with room given)
        if braking or remaining <= 0.01 * h:  # (a last sliver would take ever-smaller steps)
            vs = 0.0
        else:
            # Slow down to stop at the arc's end.
            vs = min(v_cap, math.sqrt(2.0 * amax * remaining), remaining / dt)
        if vm < vs:
            vn = min(vs, vm + amax * dt)
        else:
            vn = max(vs, vm - amax * dt)
        if vn == 0.0 and vm == 0.0:
            break
        k_step = 0.0 if braking else kappa
        wn = -vn * k_step
        if wn > wmax:
            wn = wmax
        elif wn < -wmax:
            wn = -wmax
        xn, yn, thn = _arc(x, y, th, -vn, wn, dt)
        if not braking:
            # (A braking step needs no check: the previous step verified this straight stop.)
            if not _motion_ok(x, y, th, xn, yn, thn, -vn, wn, amax, dt, known, seen, h):
                if vm == 0.0:
                    break  # cannot even start backing up
                braking = True
                continue
        if not _room(t, dt, t_max):
            status = TIMEOUT
            break
        # Backward, the slope along the motion has the opposite sign.
        de = _step_energy(-(gxs * math.cos(th) + gys * math.sin(th)), g, vn, wn, vmax, wmax,
                          mass, gravity, crr, p_drive, eta, dt)
        if e + de > e_max:
            status = ENERGY
            break
        e += de
        t += dt
        dist += math.hypot(xn - x, yn - y)
        x = xn
        y = yn
        th = _wrap(thn)
        vm = vn
        _trace_row(trace, n, t, x, y, th, -vn if vn > 0.0 else 0.0, wn, e, leg, slope_x,
                   slope_y, h)
        n += 1
    state[0] = x
    state[1] = y
    state[2] = th
    state[3] = -vm if vm > 0.0 else 0.0
    state[4] = 0.0
    out[0] = n - n0
    out[1] = dist
    out[2] = t
    out[3] = e
    return status


@njit(cache=True, nogil=True)
def _idle(state, t0, energy0, leg, slope_x, slope_y, h, dt, t_max, trace, n0, out):
    """One step standing still (used when the rover is stuck, so time always advances), or
    none when it would end past ``t_max`` (``out[0]`` rows written: 1 or 0)."""
    if not _room(t0, dt, t_max):
        out[0] = 0
        out[1] = 0.0
        out[2] = t0
        out[3] = energy0
        return
    R, C = slope_x.shape
    rc, cc = _cell_at(state[0], state[1], h, R, C)
    g = math.sqrt(slope_x[rc, cc] ** 2 + slope_y[rc, cc] ** 2)
    state[3] = 0.0
    state[4] = 0.0
    t = t0 + dt
    n = n0
    trace[n, 0] = t
    trace[n, 1] = state[0]
    trace[n, 2] = state[1]
    trace[n, 3] = state[2]
    trace[n, 4] = 0.0
    trace[n, 5] = 0.0
    trace[n, 6] = math.degrees(math.atan(g))
    trace[n, 7] = energy0
    trace[n, 8] = leg
    out[0] = 1
    out[1] = 0.0
    out[2] = t
    out[3] = energy0
