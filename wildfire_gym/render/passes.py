"""The GPU side: one geometry pass writes every aligned channel at once.

Why not pyrender's own passes: on Mesa llvmpipe (2 CPU cores) pyrender's lit PBR pass
at 512^2 costs ~0.2-0.45 s, its colour render always goes through a 4x multisampled
framebuffer (which also blends label ids at edges), and every extra label needs another
full pass and read-back. Here pyrender provides the headless context and the frame is

1. **main pass** (single-sampled framebuffer, three colour attachments + a float depth
   texture): the static scene from one vertex buffer, only the spatial tiles inside the
   view frustum, each with near / middle / impostor tree detail by distance (and a coarser
   terrain mesh when even the nearest cell is tiny on screen); then the sky only where
   nothing was drawn; then the flames
   (premultiplied-alpha blended in colour and radiance, not in ids). Attachment 0 is the
   lit, hazed, tonemapped RGB; attachment 1 packs ``semantic | instance << 8`` in RGBA8;
   attachment 2 is LWIR band radiance (float). Lighting is plain Lambert + hemispheric
   ambient evaluated per vertex (no PBR, no shadows): the fragment shader, which a CPU
   rasteriser runs for every covered pixel, only fetches the terrain textures and blends.
2. **amodal flame pass** (only when something burns): flames alone into an id buffer,
   giving each fire region's full extent for visible-vs-occluded boxes.
3. **smoke pass** at reduced resolution: instanced billboards of Gaussian puffs add
   optical depth into a float texture, soft-depth-tested against the main depth texture
   (R: visible tau, G: tau ignoring occlusion, B: grey-weighted tau);
4. **composite**: one full-screen triangle upsamples the smoke texture bilinearly and
   blends it over the colour (premultiplied ``alpha = 1 - exp(-tau)``), and adds both
   optical depths into the radiance target's G and B channels; ids are untouched.

Read-back, once: RGB8, packed ids (RGBA8), radiance (+ optical depths when smoky), depth.
"""

from __future__ import annotations

import ctypes
import logging

import numpy as np

from . import _gl  # noqa: F401  (numpy shim + platform default before OpenGL is imported)
from . import thermal as th
from ._gl import MeshBuffer, Program, make_texture_2d
from .camera import Camera
from .instancing import TEMPLATE_FLOATS, TreeInstances, select_instances, tree_blocks
from .scene import (
    FLAME_FLOATS,
    G_FAR,
    G_HOUSES,
    G_MID,
    G_NEAR,
    G_TERRAIN,
    G_TERRAIN_COARSE,
    STATIC_FLOATS,
    StaticGeometry,
    TerrainLayers,
)
from .smoke import (
    MAX_PLUMES,
    MIN_SIGMA_M,
    PLUME_ENTRAINMENT,
    PLUME_ROWS,
    PLUME_SEGMENTS,
    UPWIND_EDGE_M,
)

logger = logging.getLogger(__name__)

TREE_TEX_WIDTH = 1024
"""Width of the per-tree data textures (tree i at texel (i % W, i // W))."""
LOD_REFERENCE_SIZE_M = 6.0
"""m; a typical crown diameter, used to pick near or far tree detail per tile."""
LOD_SWITCH_PX = 20.0
"""Pixels a reference crown must span for the tile's trees to be drawn with near detail."""
TERRAIN_COARSE_PX = 8.0
"""When the nearest visible terrain cell spans fewer pixels than this, the terrain is drawn
with every other vertex (colours, labels and radiance stay per cell: they are textures; the
surface between vertices 20 m apart departs from the cell-centre heights by well under a pixel)."""
IMPOSTOR_SWITCH_PX = 6.0
"""Below this many pixels per reference crown, a tile's trees are drawn as impostors."""
SHADOW_MAP_PX = 1024
"""Side of the sun's shadow map, texels."""
SHADOW_DISTANCE_M = 700.0
"""m; shadows are cast within this distance of the camera (the shadow map covers that part of the view)."""
SHADOW_MIN_SUN_SIN = 0.02
"""No shadow pass when the sun is lower than this (sin of its elevation): at night or at the horizon."""
SHADOW_BIAS = 0.002
"""Depth bias (shadow-map depth units) against self-shadowing acne."""
SHADOW_OFFSET_FACTOR, SHADOW_OFFSET_UNITS = 0.0, 0.0
"""glPolygonOffset of the shadow pass."""
SMOKE_GLOW_FULL_W = 5.0e8
"""W; a fire releasing this much heat lights its smoke with the full glow colour."""
SMOKE_GLOW_DECAY_M = 150.0
"""m; e-folding distance of the firelight on the smoke from the plume's source."""
INSTANCE_VEC4S = 6
"""Per-instance attributes of a drawn tree: placement (3 vec4), crown centre + index, state (2)."""
SMOKE_STEPS = 40
"""Ray-march samples per plume and pixel (quadratically spaced along the ray's plume box)."""
FOLIAGE_DETAIL_FADE_M = 250.0
"""m; procedural foliage clumps (0.25-0.6 m grain on the crown's colour) fade out by this distance."""
GROUND_DETAIL_FADE_M = 600.0
"""m; procedural ground detail (1-2 m grain on the albedo) fades out by this distance."""
EMBER_GLOW_RGB = (1.2, 0.3, 0.05)
"""Linear emission added to glowing (burning or cooling) ground and burning crowns at glow 1."""

_COMMON = """
#version 330 core
vec4 encode_id(int sem, int inst) {
    return vec4(float(sem), float(inst & 255), float((inst >> 8) & 255), float((inst >> 16) & 255)) / 255.0;
}
float haze_amount(vec3 p, vec3 cam, float per_m, float base_z, float h) {
    // Optical depth along the ray through an exponential atmosphere (scale height h above base_z).
    float z0 = max(cam.z - base_z, 0.0), z1 = max(p.z - base_z, 0.0), dz = z1 - z0;
    float prof = (abs(dz) < 1.0) ? exp(-z0 / h) : h * (exp(-z0 / h) - exp(-z1 / h)) / dz;
    return 1.0 - exp(-distance(p, cam) * per_m * prof);
}
float value_noise(vec2 x) {
    vec2 i = floor(x), f = fract(x);
    vec2 u = f * f * (3.0 - 2.0 * f);
    vec4 h = fract(sin(vec4(dot(i, vec2(127.1, 311.7)), dot(i + vec2(1, 0), vec2(127.1, 311.7)),
                            dot(i + vec2(0, 1), vec2(127.1, 311.7)), dot(i + vec2(1, 1), vec2(127.1, 311.7)))) * 43758.5453);
    return mix(mix(h.x, h.y, u.x), mix(h.z, h.w, u.x), u.y);
}
// Value noise on an integer lattice hash (exact uint arithmetic: the same on every GL; a
// sin-based hash costs a CPU rasteriser twice as much per sample).
uint lattice_hash(ivec3 c) {
    uvec3 i = uvec3(c);
    uint x = (i.x * 73856093u) ^ (i.y * 19349663u) ^ (i.z * 83492791u);
    x ^= x >> 13; x *= 0x5bd1e995u; x ^= x >> 15;
    return x;
}
float lattice_value(ivec3 c) { return float(lattice_hash(c) >> 8) * (1.0 / 16777215.0); }
float noise3(vec3 x) {
    vec3 fl = floor(x), f = x - fl;
    ivec3 i = ivec3(fl);
    vec3 u = f * f * (3.0 - 2.0 * f);
    float a = mix(mix(lattice_value(i), lattice_value(i + ivec3(1, 0, 0)), u.x),
                  mix(lattice_value(i + ivec3(0, 1, 0)), lattice_value(i + ivec3(1, 1, 0)), u.x), u.y);
    float b = mix(mix(lattice_value(i + ivec3(0, 0, 1)), lattice_value(i + ivec3(1, 0, 1)), u.x),
                  mix(lattice_value(i + ivec3(0, 1, 1)), lattice_value(i + ivec3(1, 1, 1)), u.x), u.y);
    return mix(a, b, u.z);
}
vec3 tonemap(vec3 c, float exposure) {
    return sqrt(clamp(c * exposure, 0.0, 1.0));  // display gamma 2.0 (cheap on a CPU rasteriser)
}
"""

_SKY_VS = """
#version 330 core
out vec2 v_ndc;
void main() {
    vec2 p = vec2((gl_VertexID == 1) ? 3.0 : -1.0, (gl_VertexID == 2) ? 3.0 : -1.0);
    v_ndc = p;
    gl_Position = vec4(p, 1.0, 1.0);
}
"""

_SKY_FS = _COMMON + """
in vec2 v_ndc;
uniform mat4 u_inv_vp;
uniform vec3 u_cam_pos;
uniform vec3 u_sun_dir, u_sun_rgb, u_zenith, u_horizon, u_haze_rgb;
uniform float u_exposure, u_sky_eps_z, u_rad_air, u_cloud_cover, u_cloud_base_m, u_rad_cloud;
uniform vec3 u_cloud_rgb;
uniform int u_ortho;
layout(location = 0) out vec4 o_rgb;
layout(location = 1) out vec4 o_id;
layout(location = 2) out vec4 o_rad;
void main() {
    vec4 a = u_inv_vp * vec4(v_ndc, -1.0, 1.0);
    vec4 b = u_inv_vp * vec4(v_ndc, 1.0, 1.0);
    vec3 d = normalize(b.xyz / b.w - a.xyz / a.w);
    float up = max(d.z, 0.0);
    vec3 c = mix(u_horizon, u_zenith, pow(up, 0.5));
    c = mix(c, u_haze_rgb, 0.35 * exp(-up * 12.0));
    c += u_sun_rgb * (0.6 * pow(max(dot(d, u_sun_dir), 0.0), 600.0) + 0.04 * pow(max(dot(d, u_sun_dir), 0.0), 8.0));
    // clear-sky window radiance along the ray (thermal.window_sky_emissivity)
    float eps = 1.0 - pow(1.0 - u_sky_eps_z, 1.0 / max(up, MIN_COS_ZENITH));
    float rad = eps * u_rad_air;
    if (u_cloud_cover > 0.0 && d.z > 0.01) {
        // a cumulus layer at the cloud base: billowing noise thresholded by the cover
        vec3 o = a.xyz / a.w;
        float t = max(u_cloud_base_m - o.z, 1.0) / d.z;
        vec2 q = (o.xy + d.xy * t) / 2500.0;
        float n = 0.55 * value_noise(q) + 0.3 * value_noise(q * 2.7 + 3.1) + 0.15 * value_noise(q * 7.3 + 9.7);
        float cov = smoothstep(1.0 - u_cloud_cover, 1.0 - u_cloud_cover + 0.22, n);
        cov *= smoothstep(0.01, 0.12, d.z);  // thin towards the horizon (long paths blur into haze)
        vec3 cc = u_cloud_rgb * (0.75 + 0.35 * n);
        c = mix(c, cc, cov);
        rad = mix(rad, u_rad_cloud, cov);
    }
    o_rgb = vec4(tonemap(c, u_exposure), 1.0);
    o_id = encode_id(0, 0);
    o_rad = vec4(rad, 0.0, 0.0, 1.0);
}
"""

_WORLD_UNIFORMS = """
uniform mat4 u_vp;
uniform sampler2D u_tree_centre, u_tree_s0, u_tree_s1;
uniform int u_tree_w, u_house_base;
uniform float u_house_rad, u_far_rad, u_haze_per_m, u_haze_base_z, u_haze_h;
uniform mat4 u_light_vp;
uniform vec3 u_cam_pos;
uniform vec3 u_sun_dir, u_sun_rgb, u_sky_amb, u_ground_amb;
uniform vec2 u_terrain_size;
out vec2 v_uv;
out vec3 v_lit, v_sun, v_wpos;
out vec4 v_light;
out float v_haze;
flat out int v_kind, v_sem, v_inst;
flat out float v_glow, v_rad;
"""

_WORLD_BODY = """
    int sem = 1, inst = 0;
    float glow = 0.0, rad = 0.0;
    if (kind == 1 || kind == 2) {
        TREE_STATE_FETCH
        sem = int(s1.y + 0.5);
        inst = 1 + idx;
        if (kind == 1) {
            vec3 c = TREE_CENTRE;
            p = c + (pos_in - c) * s0.w;
            alb = alb * s0.rgb;
            glow = s1.x;
            rad = s1.z;
        } else {
            alb = alb * ((sem == 4) ? 0.25 : 1.0);
            rad = s1.w;
        }
    } else if (kind == 3) {
        sem = 7;
        inst = u_house_base + idx;
        rad = u_house_rad;
    } else if (kind == 4) {
        rad = u_far_rad;  // far-ground skirt: unburnt ground beyond the terrain
    }
    // Haze (per vertex): optical depth along the ray through an exponential atmosphere.
    v_haze = haze_amount(p, u_cam_pos, u_haze_per_m, u_haze_base_z, u_haze_h);
    // Lambert sun + hemispheric sky/ground ambient, per vertex (Gouraud): the lit side of a
    // surface is the one facing the camera (two-sided lighting without a per-fragment normal).
    vec3 n = normalize(nrm_in);
    if (dot(n, u_cam_pos - p) < 0.0) n = -n;
    // Lit albedo (the terrain's vertex colour is 1: its albedo comes from the texture).
    // sun and ambient apart: the fragment shader shadows the sun term
    v_sun = alb * u_sun_rgb * max(dot(n, u_sun_dir), 0.0);
    v_lit = alb * mix(u_ground_amb, u_sky_amb, 0.5 + 0.5 * n.z);
    v_light = u_light_vp * vec4(p, 1.0);
    v_uv = p.xy / u_terrain_size;
    v_wpos = p;
    v_kind = kind; v_sem = sem; v_inst = inst; v_glow = glow; v_rad = rad;
    gl_Position = u_vp * vec4(p, 1.0);
}
"""

_WORLD_VS = _COMMON + """
layout(location = 0) in vec3 a_pos;
layout(location = 1) in vec3 a_nrm;
layout(location = 2) in vec3 a_col;
layout(location = 3) in vec2 a_meta;
""" + _WORLD_UNIFORMS + """
void main() {
    int kind = int(a_meta.x + 0.5);
    int idx = int(a_meta.y + 0.5);
    vec3 pos_in = a_pos, nrm_in = a_nrm;
    vec3 p = a_pos;
    vec3 alb = a_col;
""" + _WORLD_BODY.replace("TREE_STATE_FETCH", """ivec2 t = ivec2(idx % u_tree_w, idx / u_tree_w);
        vec4 s0 = texelFetch(u_tree_s0, t, 0);
        vec4 s1 = texelFetch(u_tree_s1, t, 0);""").replace("TREE_CENTRE", "texelFetch(u_tree_centre, t, 0).xyz")

_TREE_VS = _COMMON + """
// Instanced trees (wildfire_gym.render.instancing): a unit-frame template placed per tree from
// per-instance attributes (no texture fetches per vertex: a CPU rasteriser pays for each).
layout(location = 0) in vec3 a_u;
layout(location = 1) in vec3 a_un;
layout(location = 2) in vec4 a_m;  // shade, part (0 crown, 1 wood), xy frame (1 crown), z frame (1 crown)
layout(location = 3) in vec4 a_i0;  // x, y, z, yaw
layout(location = 4) in vec4 a_i1;  // crown radius, crown length, crown base, height
layout(location = 5) in vec4 a_i2;  // trunk radius, foliage rgb
layout(location = 6) in vec4 a_c;   // crown centre xyz, tree index
layout(location = 7) in vec4 a_s0;  // tree state 0 (scene.tree_states)
layout(location = 8) in vec4 a_s1;  // tree state 1
uniform vec3 u_bark;
""" + _WORLD_UNIFORMS + """
void main() {
    int idx = int(a_c.w + 0.5);
    float sxy = (a_m.z > 0.5) ? a_i1.x : a_i2.x;
    float sz = (a_m.w > 0.5) ? a_i1.y : a_i1.w;
    float oz = (a_m.w > 0.5) ? a_i1.z : 0.0;
    float cy = cos(a_i0.w), sy = sin(a_i0.w);
    vec2 l = a_u.xy * sxy;
    vec3 pos_in = vec3(a_i0.x + cy * l.x - sy * l.y, a_i0.y + sy * l.x + cy * l.y, a_i0.z + oz + a_u.z * sz);
    vec3 nl = vec3(a_un.xy / sxy, a_un.z / sz);
    vec3 nrm_in = vec3(cy * nl.x - sy * nl.y, sy * nl.x + cy * nl.y, nl.z);
    int kind = (a_m.y > 0.5) ? 2 : 1;
    vec3 p = pos_in;
    vec3 alb = (kind == 1) ? a_i2.yzw * a_m.x : u_bark;
""" + _WORLD_BODY.replace("TREE_STATE_FETCH", "vec4 s0 = a_s0; vec4 s1 = a_s1;").replace("TREE_CENTRE", "a_c.xyz")

_DEPTH_FS = """
#version 330 core
void main() {}
"""

_WORLD_FS = _COMMON + """
in vec2 v_uv;
in vec3 v_lit, v_sun, v_wpos;
in vec4 v_light;
in float v_haze;
flat in int v_kind, v_sem, v_inst;
flat in float v_glow, v_rad;
uniform sampler2D u_terrain_rgba, u_burnt_rgba, u_terrain_rad, u_terrain_age;
uniform sampler2DShadow u_shadow_map;
uniform int u_shadows;
uniform vec3 u_haze_rgb, u_glow_rgb, u_cam_pos;
uniform float u_exposure, u_haze_per_m, u_haze_base_z, u_haze_h, u_detail_m;
layout(location = 0) out vec4 o_rgb;
layout(location = 1) out vec4 o_id;
layout(location = 2) out vec4 o_rad;
void main() {
    float lit = 1.0;
    if (u_shadows == 1) {
        vec3 l = v_light.xyz / v_light.w * 0.5 + 0.5;
        if (all(greaterThan(l, vec3(0.0))) && all(lessThan(l, vec3(1.0))))
            lit = texture(u_shadow_map, vec3(l.xy, l.z - SHADOW_BIAS));
    }
    vec3 c = v_lit + v_sun * lit;
    int sem = v_sem;
    float glow = v_glow, rad = v_rad;
    if (v_kind == 0) {
        // Burnt where the interpolated time since the front passed is positive: the burn edge
        // is the arrival-time isochrone, below the cell scale, for colour, label and radiance.
        vec2 uv = v_uv;
        bool burnt = texture(u_terrain_age, uv).r > 0.0;
        vec4 tc = burnt ? texture(u_burnt_rgba, uv) : texture(u_terrain_rgba, uv);
        vec3 alb = tc.rgb * tc.rgb;
        // ground detail at the camera's scale (faded out where it would alias)
        float dist = distance(v_wpos, u_cam_pos);
        float fade = clamp(1.0 - dist / u_detail_m, 0.0, 1.0);
        if (fade > 0.0) {
            float nz = 0.6 * value_noise(v_wpos.xy * 0.45) + 0.4 * value_noise(v_wpos.xy * 1.9 + 7.0);
            alb *= mix(1.0, 0.7 + 0.6 * nz, fade);
        }
        c *= alb;
        sem = burnt ? 2 : 1;
        // embers smoulder in spots, not as an even sheet
        glow = (burnt && tc.a > 0.0) ? tc.a * (0.25 + 0.75 * smoothstep(0.35, 0.8, value_noise(v_wpos.xy * 0.7))) : 0.0;
        vec2 r2 = texture(u_terrain_rad, uv).rg;
        rad = burnt ? r2.g : r2.r;
    }
    if (v_kind == 1) {
        // foliage clumps at the camera's scale: lit and shaded tufts of needles or leaves
        float fade = clamp(1.0 - distance(v_wpos, u_cam_pos) / FOLIAGE_DETAIL_FADE_M, 0.0, 1.0);
        if (fade > 0.0) {
            float nz = 0.55 * noise3(v_wpos * 1.6) + 0.45 * noise3(v_wpos * 4.1 + 3.7);
            c *= mix(1.0, 0.45 + 1.1 * nz, fade);
        }
    }
    float haze = v_haze;
    if (v_kind == 4) {  // far ground: triangles km across, so haze and texture per fragment
        haze = haze_amount(v_wpos, u_cam_pos, u_haze_per_m, u_haze_base_z, u_haze_h);
        c *= 0.7 + 0.45 * value_noise(v_wpos.xy / 700.0) + 0.15 * value_noise(v_wpos.xy / 90.0);
    }
    c += glow * glow * u_glow_rgb;
    c = mix(c, u_haze_rgb, haze);
    o_rgb = vec4(tonemap(c, u_exposure), 1.0);
    o_id = encode_id(sem, v_inst);
    o_rad = vec4(rad, 0.0, 0.0, 1.0);
}
"""

_FLAME_VS = """
#version 330 core
layout(location = 0) in vec3 a_pos;
layout(location = 1) in vec4 a_f;  // height fraction, visible alpha, premultiplied radiance, emissivity
layout(location = 2) in vec2 a_g;  // instance, phase
uniform mat4 u_vp;
out vec3 v_wpos;
out float v_h, v_alpha, v_rad, v_eps, v_phase;
flat out int v_inst;
void main() {
    v_wpos = a_pos; v_h = a_f.x; v_alpha = a_f.y; v_rad = a_f.z; v_eps = a_f.w;
    v_inst = int(a_g.x + 0.5); v_phase = a_g.y;
    gl_Position = u_vp * vec4(a_pos, 1.0);
}
"""

_FLAME_FS = _COMMON + """
in vec3 v_wpos;
in float v_h, v_alpha, v_rad, v_eps, v_phase;
flat in int v_inst;
uniform float u_exposure, u_time;
uniform vec3 u_flame_rgb[8];
layout(location = 0) out vec4 o_rgb;
layout(location = 1) out vec4 o_id;
layout(location = 2) out vec4 o_rad;
void main() {
    float s1 = dot(v_wpos.xy, vec2(0.8, 0.6)), s2 = dot(v_wpos.xy, vec2(-0.6, 0.8));
    float a;
    vec3 c;
    if (v_phase > 0.5) {
        // Flaming bed seen from above: patches of flame over glowing fuel, drifting with time.
        float n = 0.6 * value_noise(v_wpos.xy * 0.35 + vec2(u_time * 0.7, 0.0)) + 0.4 * value_noise(v_wpos.xy * 1.3 - u_time * 1.1);
        if (n < 0.42) discard;
        a = v_alpha * smoothstep(0.42, 0.7, n);
        float k = clamp((0.85 - n) * 12.0, 0.0, 7.0);
        int i0 = int(floor(k));
        c = mix(u_flame_rgb[i0], u_flame_rgb[min(i0 + 1, 7)], k - float(i0));
    } else {
        // Tongues: rising noise (buoyant eddies move up at a few m/s) cuts the upper flame, and
        // narrow vertical streaks split it along the front.
        float n = 0.45 * value_noise(vec2(s1 * 0.9 + s2 * 0.35, v_wpos.z * 0.5 - u_time * 3.0))
                + 0.35 * value_noise(vec2(s2 * 2.1 - s1 * 0.5 + 31.0, v_wpos.z * 1.2 - u_time * 5.5))
                + 0.20 * value_noise(vec2((s1 + s2) * 4.0 + 11.0, v_wpos.z * 0.3 - u_time * 2.0));
        float top = 1.05 - 0.8 * n;  // local flame top as a fraction of the flame length
        float hh = v_h / top;
        if (hh > 1.0) discard;
        a = v_alpha * (1.0 - 0.4 * hh * hh);
        float k = clamp(hh, 0.0, 1.0) * 7.0;
        int i0 = int(floor(k));
        c = mix(u_flame_rgb[i0], u_flame_rgb[min(i0 + 1, 7)], k - float(i0)) * (0.8 + 0.4 * n);
    }
    o_rgb = vec4(tonemap(c, u_exposure) * a, a);
    o_id = encode_id(5, v_inst);
    o_rad = vec4(v_rad, 0.0, 0.0, v_eps);
}
"""

_SMOKE_FS = _COMMON + """
// Ray-marched smoke plumes (see wildfire_gym.render.smoke for the model and its numpy reference).
uniform vec4 u_plume[MAX_PLUMES * 6];  // per plume segment: 4 parameter rows, box lo (+x_lo), box hi (+x_hi)
uniform int u_n_plumes;
uniform mat4 u_inv_vp;
uniform vec3 u_cam_fwd, u_sun_rgb, u_sun_dir, u_amb_rgb, u_glow_rgb;
uniform vec2 u_size;
uniform sampler2D u_depth;
uniform float u_near, u_far, u_scale, u_time, u_ext, u_noise;
uniform int u_ortho;
layout(location = 0) out vec4 o_smoke;  // premultiplied in-scattered light (linear rgb), visible tau
layout(location = 1) out vec4 o_full;   // tau ignoring the scene
float density(int k, vec3 p, out float sz_out) {
    vec4 A = u_plume[6 * k], B = u_plume[6 * k + 1], C = u_plume[6 * k + 2];
    vec3 r = p - A.xyz;
    float x = dot(r.xy, B.xy), y = dot(r.xy, vec2(-B.y, B.x));
    sz_out = MIN_SIGMA;
    if (x < u_plume[6 * k + 4].w || x >= u_plume[6 * k + 5].w) return 0.0;
    float xc = max(x, 1.0), xr = min(xc, B.w);
    float zc = min(B.z * pow(xr, 2.0 / 3.0), C.z);
    float rr = 0.5 * PLUME_ENTRAINMENT * zc;
    float dy = 0.08 * xc / sqrt(1.0 + 1.0e-4 * xc), dz = 0.06 * xc / sqrt(1.0 + 1.5e-3 * xc);
    float sy = sqrt(rr * rr + C.y * C.y / 12.0 + dy * dy + MIN_SIGMA * MIN_SIGMA);
    float sz = sqrt(rr * rr + dz * dz + MIN_SIGMA * MIN_SIGMA);
    sz_out = sz;
    float c = C.x / (6.2831853 * sy * sz * A.w) * exp(-0.5 * (y * y / (sy * sy) + (r.z - zc) * (r.z - zc) / (sz * sz)));
    if (x < 0.0) c *= exp(-0.5 * x * x / (UPWIND_EDGE * UPWIND_EDGE));
    return (x > C.w) ? 0.0 : c;
}
void main() {
    vec2 ndc = gl_FragCoord.xy / u_size * 2.0 - 1.0;
    vec4 a4 = u_inv_vp * vec4(ndc, -1.0, 1.0), b4 = u_inv_vp * vec4(ndc, 1.0, 1.0);
    vec3 o = a4.xyz / a4.w, dir = normalize(b4.xyz / b4.w - o);
    float d = texelFetch(u_depth, ivec2(gl_FragCoord.xy * u_scale), 0).r;
    float zs;
    if (d >= 1.0) zs = 1e30;
    else if (u_ortho == 1) zs = u_near + d * (u_far - u_near);
    else zs = 2.0 * u_far * u_near / (u_far + u_near - (2.0 * d - 1.0) * (u_far - u_near));
    float t_scene = (zs - u_near) / max(dot(dir, u_cam_fwd), 1e-4);
    float jitter = fract(sin(dot(gl_FragCoord.xy, vec2(12.9898, 78.233))) * 43758.5453);
    vec3 L = vec3(0.0);
    float T = 1.0, tau_v = 0.0, tau_f = 0.0;
    for (int k = 0; k < u_n_plumes; ++k) {
        vec3 lo = u_plume[6 * k + 4].xyz, hi = u_plume[6 * k + 5].xyz;
        vec3 safe = mix(dir, vec3(1e-9), lessThan(abs(dir), vec3(1e-9)));
        vec3 inv = 1.0 / safe;
        vec3 t0v = (lo - o) * inv, t1v = (hi - o) * inv;
        vec3 tmn = min(t0v, t1v), tmx = max(t0v, t1v);
        float t0 = max(max(tmn.x, tmn.y), max(tmn.z, 0.0)), t1 = min(min(tmx.x, tmx.y), tmx.z);
        if (t1 <= t0) continue;
        vec4 A = u_plume[6 * k], B = u_plume[6 * k + 1], D = u_plume[6 * k + 3];
        vec3 drift = vec3(B.xy * A.w * u_time, 0.0);
        float dt = (t1 - t0) / float(SMOKE_STEPS);
        for (int j = 0; j < SMOKE_STEPS; ++j) {
            float t = t0 + (float(j) + jitter) * dt;
            vec3 p = o + dir * t;
            float sz;
            float c = density(k, p, sz);
            if (c <= 0.0) continue;
            float scale = 0.6 * sz + 12.0;
            vec3 q = (p - A.xyz - drift) / scale;  // plume-relative: a scale varying downwind must not shear world coordinates
            float n = 0.6 * noise3(q) + 0.4 * noise3(q * 2.3 + 5.0);
            c *= mix(1.0, 2.2 * n * n, u_noise);
            float dtau = u_ext * c * dt;
            tau_f += dtau;
            if (t < t_scene) {
                float sz2;
                float cs = density(k, p + u_sun_dir * 1.5 * sz, sz2);
                float shadow = exp(-u_ext * cs * 3.0 * sz);
                // firelight on the smoke: strongest just above the flames, fading with distance
                vec3 glow = u_glow_rgb * min(D.w / SMOKE_GLOW_FULL_W, 1.0) * exp(-distance(p, A.xyz) / SMOKE_GLOW_DECAY_M);
                vec3 lit = D.rgb * (u_sun_rgb * shadow + u_amb_rgb) + glow;
                float ak = 1.0 - exp(-dtau);
                L += T * ak * lit;
                T *= 1.0 - ak;
                tau_v += dtau;
            }
        }
    }
    o_smoke = vec4(L, tau_v);
    o_full = vec4(tau_f, 0.0, 0.0, 0.0);
}
"""

_COMPOSITE_FS = _COMMON + """
in vec2 v_ndc;
uniform sampler2D u_smoke, u_smoke_full;
uniform float u_exposure;
layout(location = 0) out vec4 o_rgb;
layout(location = 1) out vec4 o_id;
layout(location = 2) out vec4 o_rad;
void main() {
    vec2 uv = 0.5 * v_ndc + 0.5;
    vec4 s = texture(u_smoke, uv);
    float tau = max(s.a, 0.0);
    float alpha = 1.0 - exp(-tau);
    vec3 c = s.rgb / max(alpha, 1e-5);
    o_rgb = vec4(tonemap(c, u_exposure) * alpha, alpha);
    o_id = vec4(0.0);
    o_rad = vec4(0.0, tau, max(texture(u_smoke_full, uv).r, 0.0), 0.0);
}
"""


def _world_fragment_source() -> str:
    """The terrain / tree / house fragment shader with its constants filled in."""
    return _WORLD_FS.replace("SHADOW_BIAS", repr(SHADOW_BIAS)).replace("FOLIAGE_DETAIL_FADE_M", repr(FOLIAGE_DETAIL_FADE_M))


def _pack_rows(a: np.ndarray, width: int) -> np.ndarray:
    n = a.shape[0]
    rows = max(1, -(-n // width))
    out = np.zeros((rows * width, a.shape[1]), np.float32)
    out[:n] = a
    return out.reshape(rows, width, a.shape[1])


class _Targets:
    """Framebuffers for one output resolution."""

    def __init__(self, width: int, height: int, smoke_downsample: int) -> None:
        from OpenGL import GL

        self.width, self.height = width, height
        self.sw, self.sh = max(1, -(-width // smoke_downsample)), max(1, -(-height // smoke_downsample))
        self.smoke_scale = width / self.sw
        self.fbo = GL.glGenFramebuffers(1)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.fbo)
        self.rb = GL.glGenRenderbuffers(3)
        for i, fmt in enumerate((GL.GL_RGBA8, GL.GL_RGBA8, GL.GL_RGBA32F)):
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, self.rb[i])
            GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, fmt, width, height)
            GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0 + i, GL.GL_RENDERBUFFER, self.rb[i])
        self.depth_tex = make_texture_2d(GL.GL_DEPTH_COMPONENT32F, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT, width, height)
        GL.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT, GL.GL_TEXTURE_2D, self.depth_tex, 0)
        GL.glDrawBuffers(3, [GL.GL_COLOR_ATTACHMENT0, GL.GL_COLOR_ATTACHMENT1, GL.GL_COLOR_ATTACHMENT2])
        self._check("main")
        # Amodal flames: an id buffer and its own depth.
        self.fbo_amodal = GL.glGenFramebuffers(1)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.fbo_amodal)
        self.rb_amodal = GL.glGenRenderbuffers(2)
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, self.rb_amodal[0])
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_RGBA8, width, height)
        GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT1, GL.GL_RENDERBUFFER, self.rb_amodal[0])
        GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, self.rb_amodal[1])
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_DEPTH_COMPONENT24, width, height)
        GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT, GL.GL_RENDERBUFFER, self.rb_amodal[1])
        GL.glDrawBuffers(2, [GL.GL_NONE, GL.GL_COLOR_ATTACHMENT1])
        self._check("amodal")
        # Smoke: in-scattered light + visible optical depth, and optical depth ignoring the scene.
        self.fbo_smoke = GL.glGenFramebuffers(1)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.fbo_smoke)
        self.smoke_tex = make_texture_2d(GL.GL_RGBA32F, GL.GL_RGBA, GL.GL_FLOAT, self.sw, self.sh,
                                         GL.GL_LINEAR, GL.GL_LINEAR)
        self.smoke_full_tex = make_texture_2d(GL.GL_R32F, GL.GL_RED, GL.GL_FLOAT, self.sw, self.sh,
                                              GL.GL_LINEAR, GL.GL_LINEAR)
        GL.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, self.smoke_tex, 0)
        GL.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT1, GL.GL_TEXTURE_2D, self.smoke_full_tex, 0)
        GL.glDrawBuffers(2, [GL.GL_COLOR_ATTACHMENT0, GL.GL_COLOR_ATTACHMENT1])
        self._check("smoke")
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)

    @staticmethod
    def _check(name: str) -> None:
        from OpenGL import GL

        status = GL.glCheckFramebufferStatus(GL.GL_FRAMEBUFFER)
        if status != GL.GL_FRAMEBUFFER_COMPLETE:
            raise RuntimeError(f"{name} framebuffer incomplete (status 0x{int(status):x})")


class RawBuffers:
    """What one frame's GPU passes return (rows top to bottom)."""

    def __init__(self, rgb: np.ndarray, ids: np.ndarray, radiance: np.ndarray, depth01: np.ndarray,
                 amodal_ids: np.ndarray | None, smoke: np.ndarray | None, timings: dict[str, float]) -> None:
        self.rgb, self.ids, self.radiance, self.depth01 = rgb, ids, radiance, depth01
        self.amodal_ids, self.smoke, self.timings = amodal_ids, smoke, timings
        self.rgb_clear: np.ndarray | None = None  # RGB before the smoke composite (when smoky)


class GpuScene:
    """GL resources of one landscape: static buffer, state textures, programs, targets."""

    def __init__(self, geom: StaticGeometry, terrain_shape: tuple[int, int], cell_m: float,
                 smoke_downsample: int = 2, cull_back_faces: bool = False,
                 instances: TreeInstances | None = None, shadows: bool = True) -> None:
        from OpenGL import GL

        self.geom = geom
        self.cull = cull_back_faces
        version = (int(GL.glGetIntegerv(GL.GL_MAJOR_VERSION)), int(GL.glGetIntegerv(GL.GL_MINOR_VERSION)))
        self.base_instance = version >= (4, 2)
        """Instanced draws name their first instance (GL 4.2) instead of re-pointing six attributes per bucket."""
        self.shadows = bool(shadows)
        self.smoke_downsample = int(smoke_downsample)
        self.sky = Program(_SKY_VS, _SKY_FS.replace("MIN_COS_ZENITH", repr(float(th.MIN_COS_ZENITH))))
        self.world = Program(_WORLD_VS, _world_fragment_source())
        self.world_depth = Program(_WORLD_VS, _DEPTH_FS)
        self._shadow_setup()
        self.flame = Program(_FLAME_VS, _FLAME_FS)
        self.smoke = Program(_SKY_VS, _SMOKE_FS.replace("MAX_PLUMES", str(MAX_PLUMES * PLUME_SEGMENTS))
                             .replace("SMOKE_STEPS", str(SMOKE_STEPS))
                             .replace("PLUME_ENTRAINMENT", repr(float(PLUME_ENTRAINMENT)))
                             .replace("MIN_SIGMA", repr(float(MIN_SIGMA_M)))
                             .replace("UPWIND_EDGE", repr(float(UPWIND_EDGE_M)))
                             .replace("SMOKE_GLOW_FULL_W", repr(float(SMOKE_GLOW_FULL_W)))
                             .replace("SMOKE_GLOW_DECAY_M", repr(float(SMOKE_GLOW_DECAY_M))))
        self.composite = Program(_SKY_VS, _COMPOSITE_FS)
        self.empty_vao = GL.glGenVertexArrays(1)
        self.static = MeshBuffer([(0, 3), (1, 3), (2, 3), (3, 2)])
        self.static.upload(geom.vertices, geom.indices)
        assert STATIC_FLOATS == 11 and FLAME_FLOATS == 9
        self.flames = MeshBuffer([(0, 3), (1, 4), (2, 2)], dynamic=True)
        self._smoke_setup()
        ny, nx = terrain_shape
        self.terrain_size = (nx * cell_m, ny * cell_m)
        self.cell_m = float(cell_m)
        lin = (GL.GL_LINEAR, GL.GL_LINEAR)
        self.tex_terrain_rgba = make_texture_2d(GL.GL_RGBA8, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, nx, ny, *lin)
        self.tex_burnt_rgba = make_texture_2d(GL.GL_RGBA8, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, nx, ny, *lin)
        self.tex_terrain_age = make_texture_2d(GL.GL_R32F, GL.GL_RED, GL.GL_FLOAT, nx, ny, *lin)
        self.tex_terrain_rad = make_texture_2d(GL.GL_RG32F, GL.GL_RG, GL.GL_FLOAT, nx, ny,
                                               GL.GL_LINEAR_MIPMAP_LINEAR, GL.GL_LINEAR)
        n = max(geom.n_trees, 1)
        self.tree_w = min(TREE_TEX_WIDTH, n)
        rows = -(-n // self.tree_w)
        self.tex_tree = [make_texture_2d(GL.GL_RGBA32F, GL.GL_RGBA, GL.GL_FLOAT, self.tree_w, rows) for _ in range(3)]
        centre = np.zeros((geom.n_trees, 4), np.float32)
        centre[:, :3] = geom.crown_centre_m
        self._upload_tree(0, centre)
        self._targets: dict[tuple[int, int], _Targets] = {}
        self.instances = instances
        if instances is not None:
            self._setup_instances(instances)

    # ------------------------------------------------------------ uploads
    def _smoke_setup(self) -> None:
        self.plumes = np.zeros((0, PLUME_ROWS, 4), np.float32)

    def _upload_tree(self, which: int, data: np.ndarray) -> None:
        from OpenGL import GL

        packed = _pack_rows(data, self.tree_w)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.tex_tree[which])
        GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, packed.shape[1], packed.shape[0], GL.GL_RGBA, GL.GL_FLOAT, packed)

    def upload_state(self, layers: TerrainLayers, tree_s0: np.ndarray, tree_s1: np.ndarray,
                     flames: np.ndarray, plumes: np.ndarray) -> None:
        """Per-frame uploads: terrain layers (+ radiance mip-maps), tree states, flames; the packed
        plumes ``[n, PLUME_ROWS, 4]`` become uniforms of the smoke pass."""
        from OpenGL import GL

        ny, nx = layers.age_s.shape
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        for tex, arr in ((self.tex_terrain_rgba, layers.unburnt_rgba), (self.tex_burnt_rgba, layers.burnt_rgba)):
            GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
            GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, nx, ny, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, np.ascontiguousarray(arr))
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.tex_terrain_age)
        GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, nx, ny, GL.GL_RED, GL.GL_FLOAT,
                           np.ascontiguousarray(layers.age_s, np.float32))
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.tex_terrain_rad)
        GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, nx, ny, GL.GL_RG, GL.GL_FLOAT,
                           np.ascontiguousarray(layers.radiance, np.float32))
        GL.glGenerateMipmap(GL.GL_TEXTURE_2D)
        if self.geom.n_trees:
            self._upload_tree(1, tree_s0)
            self._upload_tree(2, tree_s1)
            if self.instances is not None:
                self.inst_static[:, 4] = tree_s0
                self.inst_static[:, 5] = tree_s1
        self.flames.upload(flames if flames.size else np.zeros((0, FLAME_FLOATS), np.float32))
        self.plumes = np.asarray(plumes, np.float32).reshape(-1, PLUME_ROWS, 4)[:MAX_PLUMES * PLUME_SEGMENTS]

    def targets(self, width: int, height: int) -> _Targets:
        key = (width, height)
        if key not in self._targets:
            self._targets[key] = _Targets(width, height, self.smoke_downsample)
        return self._targets[key]

    # ------------------------------------------------------------ drawing
    def render(self, cam: Camera, uniforms: dict[str, object], want_amodal: bool, want_smoke: bool) -> RawBuffers:
        """Draw every pass for ``cam`` and read the buffers back."""
        import time

        from OpenGL import GL

        t0 = time.perf_counter()
        tg = self.targets(cam.width, cam.height)
        W, H = cam.width, cam.height
        V = cam.view_matrix_gl()
        P = cam.projection_matrix_gl()
        VP = P @ V
        ortho = int(cam.projection == "orthographic")
        GL.glDisable(GL.GL_BLEND)
        self._shadow_pass(cam, uniforms)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, tg.fbo)
        GL.glViewport(0, 0, W, H)
        GL.glDisable(GL.GL_MULTISAMPLE)
        GL.glDisable(GL.GL_BLEND)
        GL.glDepthMask(GL.GL_TRUE)
        GL.glClearDepth(1.0)
        GL.glClear(GL.GL_DEPTH_BUFFER_BIT)
        # Static world.
        GL.glEnable(GL.GL_DEPTH_TEST)
        GL.glDepthFunc(GL.GL_LESS)
        GL.glDepthMask(GL.GL_TRUE)
        if self.cull:
            GL.glEnable(GL.GL_CULL_FACE)
        self.last_instances = 0
        if self.instances is not None:
            self._set_world_uniforms(self.tree_prog, VP, uniforms)
            self.last_instances = self._draw_instanced_trees(cam, VP)
        self._set_world_uniforms(self.world, VP, uniforms)
        self.last_draw = self._draw_visible_tiles(cam, VP)
        GL.glDisable(GL.GL_CULL_FACE)
        # Sky last among the opaque passes: at depth 1 with LEQUAL it only shades pixels that
        # no geometry covered (early depth rejection spares the rest); no colour clear needed.
        GL.glDepthFunc(GL.GL_LEQUAL)
        GL.glDepthMask(GL.GL_FALSE)
        sp = self.sky
        sp.use()
        sp.set_mat4("u_inv_vp", np.linalg.inv(VP))
        for k in ("u_sun_dir", "u_sun_rgb", "u_zenith", "u_horizon", "u_haze_rgb", "u_exposure",
                  "u_sky_eps_z", "u_rad_air", "u_cloud_cover", "u_cloud_base_m", "u_rad_cloud", "u_cloud_rgb", "u_cam_pos"):
            sp.set_vec(k, uniforms[k])  # type: ignore[arg-type]
        GL.glBindVertexArray(self.empty_vao)
        GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        GL.glDepthFunc(GL.GL_LESS)
        GL.glDepthMask(GL.GL_TRUE)
        # Flames: blended in colour and radiance, not in ids.
        n_flame = self.flames.n_vertices
        if n_flame:
            fp = self.flame
            fp.use()
            fp.set_mat4("u_vp", VP)
            fp.set_vec("u_exposure", uniforms["u_exposure"])  # type: ignore[arg-type]
            fp.set_vec("u_time", uniforms["u_time"])  # type: ignore[arg-type]
            fp.set_vec3_array("u_flame_rgb", uniforms["u_flame_rgb"])  # type: ignore[arg-type]
            GL.glBlendFunc(GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
            GL.glEnablei(GL.GL_BLEND, 0)
            GL.glDisablei(GL.GL_BLEND, 1)
            GL.glEnablei(GL.GL_BLEND, 2)
            self.flames.draw_arrays()
            GL.glDisablei(GL.GL_BLEND, 0)
            GL.glDisablei(GL.GL_BLEND, 2)
        GL.glFinish()
        t1 = time.perf_counter()
        amodal = None
        if want_amodal and n_flame:
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, tg.fbo_amodal)
            GL.glClearColor(0.0, 0.0, 0.0, 0.0)
            GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
            self.flame.use()
            self.flames.draw_arrays()
            GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
            GL.glReadBuffer(GL.GL_COLOR_ATTACHMENT1)
            amodal = np.frombuffer(GL.glReadPixels(0, 0, W, H, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE), np.uint32).reshape(H, W)[::-1]
        t2 = time.perf_counter()
        smoked = bool(want_smoke and self.plumes.shape[0])
        rgb_clear = None
        if smoked:
            # The colour without smoke (for the smoke label's contrast rule).
            GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, tg.fbo)
            GL.glReadBuffer(GL.GL_COLOR_ATTACHMENT0)
            rgb_clear = np.frombuffer(GL.glReadPixels(0, 0, W, H, GL.GL_RGB, GL.GL_UNSIGNED_BYTE), np.uint8).reshape(H, W, 3)[::-1]
            # Ray-march the plumes at reduced resolution against the scene depth.
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, tg.fbo_smoke)
            GL.glViewport(0, 0, tg.sw, tg.sh)
            GL.glDisable(GL.GL_DEPTH_TEST)
            GL.glDepthMask(GL.GL_FALSE)
            GL.glDisable(GL.GL_BLEND)
            sm = self.smoke
            sm.use()
            sm.set_mat4("u_inv_vp", np.linalg.inv(VP))
            GL.glActiveTexture(GL.GL_TEXTURE0)
            GL.glBindTexture(GL.GL_TEXTURE_2D, tg.depth_tex)
            sm.set_int("u_depth", 0)
            sm.set_vec("u_near", cam.near_m)
            sm.set_vec("u_far", cam.far_m)
            sm.set_vec("u_scale", tg.smoke_scale)
            sm.set_vec("u_size", (float(tg.sw), float(tg.sh)))
            sm.set_int("u_ortho", ortho)
            sm.set_vec("u_cam_fwd", cam.forward)
            for k in ("u_sun_rgb", "u_sun_dir", "u_amb_rgb", "u_glow_rgb", "u_time", "u_ext", "u_noise"):
                sm.set_vec(k, uniforms["smoke"][k])  # type: ignore[index]
            sm.set_int("u_n_plumes", int(self.plumes.shape[0]))
            loc = sm.loc("u_plume[0]")
            if loc >= 0:
                GL.glUniform4fv(loc, self.plumes.shape[0] * PLUME_ROWS, np.ascontiguousarray(self.plumes.reshape(-1, 4)))
            GL.glBindVertexArray(self.empty_vao)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
            GL.glFinish()
            t_puffs = time.perf_counter()
            # Composite over the main targets (bilinear upsampling by the texture unit):
            # colour premultiplied-over, ids untouched, optical depths added into radiance G/B.
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, tg.fbo)
            GL.glViewport(0, 0, W, H)
            GL.glBlendFunc(GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
            GL.glDrawBuffers(3, [GL.GL_COLOR_ATTACHMENT0, GL.GL_NONE, GL.GL_COLOR_ATTACHMENT2])  # ids untouched
            GL.glEnable(GL.GL_BLEND)
            cp = self.composite
            cp.use()
            GL.glActiveTexture(GL.GL_TEXTURE0)
            GL.glBindTexture(GL.GL_TEXTURE_2D, tg.smoke_tex)
            cp.set_int("u_smoke", 0)
            GL.glActiveTexture(GL.GL_TEXTURE1)
            GL.glBindTexture(GL.GL_TEXTURE_2D, tg.smoke_full_tex)
            cp.set_int("u_smoke_full", 1)
            GL.glActiveTexture(GL.GL_TEXTURE0)
            cp.set_vec("u_exposure", uniforms["u_exposure"])  # type: ignore[arg-type]
            GL.glBindVertexArray(self.empty_vao)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
            GL.glDrawBuffers(3, [GL.GL_COLOR_ATTACHMENT0, GL.GL_COLOR_ATTACHMENT1, GL.GL_COLOR_ATTACHMENT2])
            GL.glDisable(GL.GL_BLEND)
            GL.glDepthMask(GL.GL_TRUE)
        GL.glFinish()
        t3 = time.perf_counter()
        # Read back (GL rows are bottom-up).
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, tg.fbo)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        GL.glReadBuffer(GL.GL_COLOR_ATTACHMENT0)
        rgb = np.frombuffer(GL.glReadPixels(0, 0, W, H, GL.GL_RGB, GL.GL_UNSIGNED_BYTE), np.uint8).reshape(H, W, 3)
        GL.glReadBuffer(GL.GL_COLOR_ATTACHMENT1)
        ids = np.frombuffer(GL.glReadPixels(0, 0, W, H, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE), np.uint32).reshape(H, W)
        GL.glReadBuffer(GL.GL_COLOR_ATTACHMENT2)
        if smoked:
            rad = np.frombuffer(GL.glReadPixels(0, 0, W, H, GL.GL_RGB, GL.GL_FLOAT), np.float32).reshape(H, W, 3)[::-1]
            smoke = rad[..., 1:3]
            rad = rad[..., 0]
        else:
            rad = np.frombuffer(GL.glReadPixels(0, 0, W, H, GL.GL_RED, GL.GL_FLOAT), np.float32).reshape(H, W)[::-1]
            smoke = None
        depth = np.frombuffer(GL.glReadPixels(0, 0, W, H, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT), np.float32).reshape(H, W)
        GL.glBindVertexArray(0)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        t4 = time.perf_counter()
        t_puffs = t_puffs if smoked else t2
        timings = {"gpu_main_s": t1 - t0, "gpu_amodal_s": t2 - t1, "gpu_smoke_s": t_puffs - t2,
                   "gpu_composite_s": t3 - t_puffs, "readback_s": t4 - t3}
        raw = RawBuffers(rgb[::-1], ids[::-1], rad, depth[::-1], amodal, smoke, timings)
        raw.rgb_clear = rgb_clear
        return raw

    def visible_ranges(self, cam: Camera, VP: np.ndarray, skirt: bool = True) -> list[tuple[int, int]]:
        """Index ranges ``(offset, count)`` to draw: tiles inside the frustum, trees near/mid/far.

        A tile is culled when all 8 corners of its box lie outside one clip plane. Its trees
        are drawn with near detail when a tree of :data:`LOD_REFERENCE_SIZE_M` at the tile's
        closest point would span more than :data:`LOD_SWITCH_PX` pixels, as impostors below
        :data:`IMPOSTOR_SWITCH_PX`, else with the middle detail.
        """
        g = self.geom
        lo, hi = g.tile_bounds_m[:, 0].astype(np.float64), g.tile_bounds_m[:, 1].astype(np.float64)
        valid = np.all(lo <= hi, axis=1)
        corners = np.stack([np.stack([np.where(b & 1, hi[:, 0], lo[:, 0]), np.where(b & 2, hi[:, 1], lo[:, 1]),
                                      np.where(b & 4, hi[:, 2], lo[:, 2]), np.ones(lo.shape[0])], 1)
                            for b in range(8)], 1)  # [T, 8, 4]
        clip = corners @ VP.T
        w = clip[..., 3]
        outside = np.zeros(lo.shape[0], bool)
        for axis in range(3):
            outside |= np.all(clip[..., axis] < -w, axis=1) | np.all(clip[..., axis] > w, axis=1)
        visible = valid & ~outside
        c = cam.position_m
        d = np.linalg.norm(np.maximum(np.maximum(lo - c, c - hi), 0.0), axis=1)
        if cam.projection == "perspective":
            px = cam.K[1, 1] * LOD_REFERENCE_SIZE_M / np.maximum(d, 1e-3)
        else:
            px = np.full(lo.shape[0], cam.K[1, 1] * LOD_REFERENCE_SIZE_M)
        group = np.where(px > LOD_SWITCH_PX, G_NEAR, np.where(px > IMPOSTOR_SWITCH_PX, G_MID, G_FAR))
        # Coarse terrain everywhere when even the nearest visible cell spans only a few pixels.
        cell_px = px[visible].max(initial=0.0) * self.cell_m / LOD_REFERENCE_SIZE_M
        terrain_group = G_TERRAIN_COARSE if cell_px < TERRAIN_COARSE_PX else G_TERRAIN
        ranges: list[tuple[int, int]] = []
        # Nearest tiles first, trees and houses before their ground: the depth test then
        # rejects hidden fragments before they are shaded (a CPU rasteriser pays per fragment).
        vis = np.flatnonzero(visible)
        for t in vis[np.argsort(d[vis], kind="stable")]:
            row = g.tiles[t]
            for k in (int(group[t]), G_HOUSES, terrain_group):
                off, cnt = row[2 * k], row[2 * k + 1]
                if cnt == 0:
                    continue
                if ranges and ranges[-1][0] + ranges[-1][1] == off:
                    ranges[-1] = (ranges[-1][0], ranges[-1][1] + int(cnt))
                else:
                    ranges.append((int(off), int(cnt)))
        if skirt and g.skirt_range[1]:
            ranges.append((int(g.skirt_range[0]), int(g.skirt_range[1])))
        return ranges

    def _shadow_setup(self) -> None:
        from OpenGL import GL

        n = SHADOW_MAP_PX
        self.shadow_tex = make_texture_2d(GL.GL_DEPTH_COMPONENT32F, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT, n, n,
                                          GL.GL_LINEAR, GL.GL_LINEAR)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.shadow_tex)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_COMPARE_MODE, GL.GL_COMPARE_REF_TO_TEXTURE)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_COMPARE_FUNC, GL.GL_LEQUAL)
        self.shadow_fbo = GL.glGenFramebuffers(1)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.shadow_fbo)
        GL.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT, GL.GL_TEXTURE_2D, self.shadow_tex, 0)
        GL.glDrawBuffer(GL.GL_NONE)
        GL.glReadBuffer(GL.GL_NONE)
        _Targets._check("shadow")
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        self.light_vp = np.eye(4)
        self.shadows_on = False

    def light_camera(self, cam: Camera, sun_dir: np.ndarray) -> Camera | None:
        """An orthographic camera looking along the sunlight over the part of the view within
        :data:`SHADOW_DISTANCE_M` of the camera (None when the sun is down)."""
        s = np.asarray(sun_dir, np.float64)
        if s[2] <= SHADOW_MIN_SUN_SIN:
            return None
        g = self.geom
        lo_t = np.min(g.tile_bounds_m[:, 0], axis=0)
        hi_t = np.max(g.tile_bounds_m[:, 1], axis=0)
        # the camera frustum's corners, cut at the shadow distance, boxed with the terrain's height range
        Kinv = np.linalg.inv(cam.K)
        R = cam.T_world_to_cam[:3, :3]
        c = cam.position_m
        pts = [c]
        for u, v in ((0, 0), (cam.width, 0), (0, cam.height), (cam.width, cam.height)):
            d = R.T @ (Kinv @ np.array([u, v, 1.0]))
            if cam.projection == "orthographic":
                o = c + R.T @ np.array([(u - cam.K[0, 2]) / cam.K[0, 0], (v - cam.K[1, 2]) / cam.K[1, 1], 0.0])
                pts += [o + R.T[:, 2] * cam.far_m]
            else:
                pts.append(c + d / np.linalg.norm(d) * SHADOW_DISTANCE_M)
        pts = np.array(pts)
        lo = np.maximum(pts.min(0), lo_t)
        hi = np.minimum(pts.max(0), hi_t)
        lo[2], hi[2] = lo_t[2], hi_t[2]
        if np.any(hi[:2] <= lo[:2]):
            return None
        centre = 0.5 * (lo + hi)
        extent = float(np.linalg.norm(hi - lo))
        eye = centre + s * extent
        from .camera import extrinsics, look_at_angles, rotation_world_to_cam

        yaw, pitch = look_at_angles(eye, centre)
        T = extrinsics(eye, rotation_world_to_cam(yaw, pitch))
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
        pc = corners @ T[:3, :3].T + T[:3, 3]
        half = float(np.max(np.abs(pc[:, :2]))) + 1.0
        n = SHADOW_MAP_PX
        ppm = n / (2.0 * half)
        K = np.array([[ppm, 0.0, (n - 1) / 2.0], [0.0, ppm, (n - 1) / 2.0], [0.0, 0.0, 1.0]])
        near = max(float(pc[:, 2].min()) - 50.0, 1.0)
        far = float(pc[:, 2].max()) + 50.0
        return Camera(n, n, K, T, "orthographic", near, far, "sun")

    def _shadow_pass(self, cam: Camera, uniforms: dict[str, object]) -> None:
        """Depth of the scene seen from the sun into the shadow map."""
        from OpenGL import GL

        light = self.light_camera(cam, np.asarray(uniforms["u_sun_dir"])) if self.shadows else None
        self.shadows_on = light is not None
        if light is None:
            return
        LVP = light.projection_matrix_gl() @ light.view_matrix_gl()
        self.light_vp = LVP
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.shadow_fbo)
        GL.glViewport(0, 0, SHADOW_MAP_PX, SHADOW_MAP_PX)
        GL.glClear(GL.GL_DEPTH_BUFFER_BIT)
        GL.glEnable(GL.GL_DEPTH_TEST)
        GL.glDepthFunc(GL.GL_LESS)
        GL.glEnable(GL.GL_POLYGON_OFFSET_FILL)
        GL.glPolygonOffset(SHADOW_OFFSET_FACTOR, SHADOW_OFFSET_UNITS)
        if self.instances is not None:
            self._set_world_uniforms(self.tree_depth, LVP, uniforms, textures=False)
            self._draw_instanced_trees(light, LVP, self.tree_depth, impostors_only=True)  # blobs suffice for shadows
        self._set_world_uniforms(self.world_depth, LVP, uniforms, textures=False)
        self._draw_visible_tiles(light, LVP, skirt=False)
        GL.glDisable(GL.GL_POLYGON_OFFSET_FILL)

    def _set_world_uniforms(self, wp: Program, VP: np.ndarray, uniforms: dict[str, object],
                            textures: bool = True) -> None:
        from OpenGL import GL

        wp.use()
        wp.set_mat4("u_vp", VP)
        texs = [("u_terrain_rgba", self.tex_terrain_rgba), ("u_terrain_rad", self.tex_terrain_rad),
                ("u_burnt_rgba", self.tex_burnt_rgba), ("u_terrain_age", self.tex_terrain_age),
                ("u_tree_centre", self.tex_tree[0]), ("u_tree_s0", self.tex_tree[1]), ("u_tree_s1", self.tex_tree[2])]
        if textures:
            texs.append(("u_shadow_map", self.shadow_tex))
        else:  # the shadow pass reads no shadow map (it writes it)
            texs = texs[4:7]
        for unit, (name, tex) in enumerate(texs):
            GL.glActiveTexture(GL.GL_TEXTURE0 + unit)
            GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
            wp.set_int(name, unit)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        wp.set_mat4("u_light_vp", self.light_vp)
        wp.set_int("u_shadows", int(self.shadows_on and textures))
        wp.set_int("u_tree_w", self.tree_w)
        wp.set_int("u_house_base", 1 + self.geom.n_trees)
        wp.set_vec("u_terrain_size", self.terrain_size)
        wp.set_vec("u_glow_rgb", EMBER_GLOW_RGB)
        wp.set_vec("u_detail_m", GROUND_DETAIL_FADE_M)
        for k in ("u_sun_dir", "u_sun_rgb", "u_sky_amb", "u_ground_amb", "u_cam_pos", "u_haze_rgb",
                  "u_haze_per_m", "u_exposure", "u_house_rad", "u_far_rad", "u_haze_base_z", "u_haze_h"):
            wp.set_vec(k, uniforms[k])  # type: ignore[arg-type]

    def _setup_instances(self, inst: TreeInstances) -> None:
        """Template buffers (one VAO each, sharing the per-frame instance buffer) and the
        per-tree placement textures."""
        from OpenGL import GL

        self.tree_prog = Program(_TREE_VS, _world_fragment_source())
        self.tree_depth = Program(_TREE_VS, _DEPTH_FS)
        self.inst_vbo = GL.glGenBuffers(1)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.inst_vbo)
        GL.glBufferData(GL.GL_ARRAY_BUFFER, 4, None, GL.GL_DYNAMIC_DRAW)
        self.tmpl: dict[tuple[int, int, int], tuple[int, int, int, int]] = {}  # key -> (vao, vbo, ebo, n_indices)
        for key, t in inst.templates.items():
            vao = GL.glGenVertexArrays(1)
            vbo, ebo = GL.glGenBuffers(2)
            GL.glBindVertexArray(vao)
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, vbo)
            v = np.ascontiguousarray(t.vertices, np.float32)
            GL.glBufferData(GL.GL_ARRAY_BUFFER, v.nbytes, v, GL.GL_STATIC_DRAW)
            stride = TEMPLATE_FLOATS * 4
            for loc, n, off in ((0, 3, 0), (1, 3, 3), (2, 4, 6)):
                GL.glEnableVertexAttribArray(loc)
                GL.glVertexAttribPointer(loc, n, GL.GL_FLOAT, GL.GL_FALSE, stride, ctypes.c_void_p(off * 4))
            GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, ebo)
            idx = np.ascontiguousarray(t.indices, np.uint32)
            GL.glBufferData(GL.GL_ELEMENT_ARRAY_BUFFER, idx.nbytes, idx, GL.GL_STATIC_DRAW)
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.inst_vbo)
            for j in range(INSTANCE_VEC4S):
                GL.glEnableVertexAttribArray(3 + j)
                GL.glVertexAttribPointer(3 + j, 4, GL.GL_FLOAT, GL.GL_FALSE, INSTANCE_VEC4S * 16, ctypes.c_void_p(16 * j))
                GL.glVertexAttribDivisor(3 + j, 1)
            GL.glBindVertexArray(0)
            self.tmpl[key] = (int(vao), int(vbo), int(ebo), int(idx.size))
        n = inst.inst0.shape[0]
        self.tree_blocks = tree_blocks(inst, self.geom.crown_centre_m)
        self.inst_static = np.zeros((n, INSTANCE_VEC4S, 4), np.float32)
        self.inst_static[:, 0] = inst.inst0
        self.inst_static[:, 1] = inst.inst1
        self.inst_static[:, 2] = inst.inst2
        self.inst_static[:, 3, :3] = self.geom.crown_centre_m
        self.inst_static[:, 3, 3] = np.arange(n, dtype=np.float32)

    def _draw_instanced_trees(self, cam: Camera, VP: np.ndarray, prog: Program | None = None,
                              impostors_only: bool = False) -> int:
        """Cull, pick detail per tree, draw every (species, template, detail) bucket; returns trees drawn."""
        from OpenGL import GL

        inst = self.instances
        assert inst is not None
        lod_px, imp_px = (np.inf, np.inf) if impostors_only else (LOD_SWITCH_PX, IMPOSTOR_SWITCH_PX)
        buckets = select_instances(inst, self.geom.crown_centre_m, cam, VP, lod_px, imp_px, LOD_REFERENCE_SIZE_M,
                                   self.tree_blocks)
        if not buckets:
            return 0
        ids = np.concatenate([b for _, b in buckets])
        data = np.ascontiguousarray(self.inst_static[ids])
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.inst_vbo)
        GL.glBufferData(GL.GL_ARRAY_BUFFER, data.nbytes, data, GL.GL_STREAM_DRAW)
        off = 0
        stride = INSTANCE_VEC4S * 16
        for key, b in buckets:
            vao, _, _, n_idx = self.tmpl[key]
            tp = inst.templates[key]
            GL.glBindVertexArray(vao)
            if not self.base_instance:  # GL < 4.2: point the instance attributes at this bucket
                GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.inst_vbo)
                for j in range(INSTANCE_VEC4S):
                    GL.glVertexAttribPointer(3 + j, 4, GL.GL_FLOAT, GL.GL_FALSE, stride, ctypes.c_void_p(off * stride + 16 * j))
            (prog or self.tree_prog).set_vec("u_bark", inst.bark_linear[key[0]])
            # A closed crown is drawn front faces only (a CPU rasteriser pays for every fragment
            # of the back faces the depth test would hide); the open wood stays two-sided.
            parts = ([(0, tp.n_crown_indices, True), (tp.n_crown_indices, n_idx - tp.n_crown_indices, False)]
                     if tp.crown_closed else [(0, n_idx, False)])
            for start, count, cull in parts:
                if count <= 0:
                    continue
                if cull and not self.cull:
                    GL.glEnable(GL.GL_CULL_FACE)
                ptr = ctypes.c_void_p(start * 4)
                if self.base_instance:
                    GL.glDrawElementsInstancedBaseInstance(GL.GL_TRIANGLES, count, GL.GL_UNSIGNED_INT, ptr, int(b.size), off)
                else:
                    GL.glDrawElementsInstanced(GL.GL_TRIANGLES, count, GL.GL_UNSIGNED_INT, ptr, int(b.size))
                if cull and not self.cull:
                    GL.glDisable(GL.GL_CULL_FACE)
            off += b.size
        GL.glBindVertexArray(0)
        return int(ids.size)

    def _draw_visible_tiles(self, cam: Camera, VP: np.ndarray, skirt: bool = True) -> int:
        from OpenGL import GL

        GL.glBindVertexArray(self.static.vao)
        ranges = self.visible_ranges(cam, VP, skirt)
        if not ranges:
            return 0
        # One multi-draw call for every visible range (a draw call per tile costs ~20 us in PyOpenGL).
        r = np.asarray(ranges, np.int64)
        counts = np.ascontiguousarray(r[:, 1], np.int32)
        offsets = (ctypes.c_void_p * r.shape[0])(*(int(o) * 4 for o in r[:, 0]))
        GL.glMultiDrawElements(GL.GL_TRIANGLES, counts, GL.GL_UNSIGNED_INT, offsets, r.shape[0])
        return int(counts.sum()) // 3

    def delete(self) -> None:
        """Free GL objects (the context must be current)."""
        from OpenGL import GL

        for t in self._targets.values():
            GL.glDeleteFramebuffers(3, [t.fbo, t.fbo_amodal, t.fbo_smoke])
            GL.glDeleteRenderbuffers(3, list(t.rb))
            GL.glDeleteRenderbuffers(2, list(t.rb_amodal))
            GL.glDeleteTextures([t.depth_tex, t.smoke_tex, t.smoke_full_tex])
        self._targets.clear()
        GL.glDeleteTextures([self.tex_terrain_rgba, self.tex_burnt_rgba, self.tex_terrain_age, self.tex_terrain_rad,
                             *self.tex_tree])
        for b in (self.static, self.flames):
            GL.glDeleteBuffers(2, [b.vbo, b.ebo])
            GL.glDeleteVertexArrays(1, [b.vao])
        GL.glDeleteVertexArrays(1, [self.empty_vao])
        GL.glDeleteFramebuffers(1, [self.shadow_fbo])
        GL.glDeleteTextures([self.shadow_tex])
        GL.glDeleteProgram(self.world_depth.id)
        if self.instances is not None:
            for vao, vbo, ebo, _ in self.tmpl.values():
                GL.glDeleteBuffers(2, [vbo, ebo])
                GL.glDeleteVertexArrays(1, [vao])
            GL.glDeleteBuffers(1, [self.inst_vbo])
            GL.glDeleteProgram(self.tree_prog.id)
            GL.glDeleteProgram(self.tree_depth.id)
        for p in (self.sky, self.world, self.flame, self.smoke, self.composite):
            GL.glDeleteProgram(p.id)
