"""The one place that touches the OpenGL platform: headless context, shaders, buffers.

pyrender 0.1.45 provides the headless context (its EGL and OSMesa platforms); the passes
themselves are our own OpenGL 3.3 core programs drawn with PyOpenGL (see
:mod:`wildfire_gym.render.passes` for why).

Platform selection: the ``PYOPENGL_PLATFORM`` environment variable is respected; when it
is unset it defaults to ``egl``. ``osmesa`` needs Mesa's libOSMesa. PyOpenGL fixes its
platform when it is first imported, so asking for another platform afterwards raises.

This module also carries the numpy-2 shim pyrender needs (``np.infty`` was removed in
numpy 2.0 and pyrender 0.1.45 still uses it); nothing else in the package sets it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_PLATFORM = "egl"
"""Platform used when ``PYOPENGL_PLATFORM`` is not set."""

SUPPORTED_PLATFORMS = ("egl", "osmesa")

if not hasattr(np, "infty"):  # numpy >= 2 removed the alias pyrender 0.1.45 uses
    # setattr, not ``np.infty = np.inf``: ruff's numpy-2 autofix (NPY201) rewrites that line into
    # the no-op ``np.inf = np.inf`` (it happened once; tests/test_render.py guards it).
    setattr(np, "infty", np.inf)  # noqa: B010


def select_platform(platform: str | None = None) -> str:
    """Fix the PyOpenGL platform (``egl`` or ``osmesa``) before OpenGL is imported.

    ``platform=None`` keeps ``PYOPENGL_PLATFORM`` when set, else uses ``egl``.
    Raises :class:`ValueError` naming ``platform`` for an unknown name or when OpenGL was
    already imported with a different platform.
    """
    env = os.environ.get("PYOPENGL_PLATFORM")
    wanted = (platform or env or DEFAULT_PLATFORM).lower()
    if wanted not in SUPPORTED_PLATFORMS:
        raise ValueError(f"platform: expected one of {SUPPORTED_PLATFORMS}, got {wanted!r}")
    if "OpenGL" in sys.modules and env is not None and env.lower() != wanted:
        raise ValueError(
            f"platform: PyOpenGL is already loaded with PYOPENGL_PLATFORM={env!r}; "
            f"cannot switch to {wanted!r} in this process")
    os.environ["PYOPENGL_PLATFORM"] = wanted
    return wanted


class GLContext:
    """A headless OpenGL 4.1 core context from pyrender's platform layer.

    Several contexts may live in one process; call :meth:`make_current` before drawing.
    """

    def __init__(self, width: int, height: int, platform: str | None = None) -> None:
        self.platform_name = select_platform(platform)
        self._platform = None
        try:
            if self.platform_name == "egl":
                from pyrender.platforms.egl import EGLPlatform

                self._platform = EGLPlatform(width, height)
            else:
                from pyrender.platforms.osmesa import OSMesaPlatform

                self._platform = OSMesaPlatform(width, height)
            self._platform.init_context()
        except Exception as exc:  # the platform raises bare assertions or ctypes errors
            raise RuntimeError(
                f"could not create a headless OpenGL context with platform "
                f"{self.platform_name!r} ({exc!r}); set PYOPENGL_PLATFORM=egl or osmesa") from exc
        if self.platform_name == "egl":
            # pyrender's EGL platform terminates the *shared* default display when it is
            # deleted (also from __del__), which would break every other context of the
            # process: destroy only this context instead.
            self._platform.delete_context = self._destroy_egl_context  # type: ignore[method-assign]
        self.make_current()
        from OpenGL import GL

        self.renderer_name = GL.glGetString(GL.GL_RENDERER).decode("ascii", "replace")
        self.version = GL.glGetString(GL.GL_VERSION).decode("ascii", "replace")
        logger.debug("GL context: %s, %s (%s)", self.renderer_name, self.version, self.platform_name)

    def make_current(self) -> None:
        self._platform.make_current()

    def _destroy_egl_context(self) -> None:
        p = self._platform
        if p is not None and getattr(p, "_egl_context", None) is not None:
            from OpenGL.EGL import EGL_NO_CONTEXT, EGL_NO_SURFACE, eglDestroyContext, eglMakeCurrent

            eglMakeCurrent(p._egl_display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT)
            eglDestroyContext(p._egl_display, p._egl_context)
            p._egl_context = None

    def close(self) -> None:
        """Destroy this context only (the shared EGL display stays initialised for others)."""
        p = self._platform
        if p is None:
            return
        if self.platform_name == "egl":
            self._destroy_egl_context()
        else:
            p.delete_context()
        self._platform = None


def compile_program(vertex_src: str, fragment_src: str) -> int:
    """Compile and link a GLSL program; raises RuntimeError with the driver's log."""
    from OpenGL import GL

    def _shader(kind: int, src: str) -> int:
        sh = GL.glCreateShader(kind)
        GL.glShaderSource(sh, src)
        GL.glCompileShader(sh)
        if not GL.glGetShaderiv(sh, GL.GL_COMPILE_STATUS):
            log = GL.glGetShaderInfoLog(sh)
            raise RuntimeError(f"shader compile failed: {log!r}\n{src}")
        return sh

    vs = _shader(GL.GL_VERTEX_SHADER, vertex_src)
    fs = _shader(GL.GL_FRAGMENT_SHADER, fragment_src)
    prog = GL.glCreateProgram()
    GL.glAttachShader(prog, vs)
    GL.glAttachShader(prog, fs)
    GL.glLinkProgram(prog)
    if not GL.glGetProgramiv(prog, GL.GL_LINK_STATUS):
        raise RuntimeError(f"program link failed: {GL.glGetProgramInfoLog(prog)!r}")
    GL.glDeleteShader(vs)
    GL.glDeleteShader(fs)
    return int(prog)


class Program:
    """A linked program with cached uniform locations."""

    def __init__(self, vertex_src: str, fragment_src: str) -> None:
        self.id = compile_program(vertex_src, fragment_src)
        self._loc: dict[str, int] = {}

    def loc(self, name: str) -> int:
        from OpenGL import GL

        if name not in self._loc:
            self._loc[name] = int(GL.glGetUniformLocation(self.id, name))
        return self._loc[name]

    def use(self) -> None:
        from OpenGL import GL

        GL.glUseProgram(self.id)

    def set_mat4(self, name: str, m: np.ndarray) -> None:
        from OpenGL import GL

        loc = self.loc(name)
        if loc >= 0:
            GL.glUniformMatrix4fv(loc, 1, GL.GL_TRUE, np.ascontiguousarray(m, np.float32))

    def set_vec(self, name: str, v: np.ndarray | tuple[float, ...] | list[float]) -> None:
        from OpenGL import GL

        loc = self.loc(name)
        if loc < 0:
            return
        a = np.asarray(v, np.float32).ravel()
        {1: GL.glUniform1f, 2: GL.glUniform2f, 3: GL.glUniform3f, 4: GL.glUniform4f}[a.size](loc, *a.tolist())

    def set_vec3_array(self, name: str, v: np.ndarray) -> None:
        """A ``uniform vec3 name[n]`` from an ``[n, 3]`` array."""
        from OpenGL import GL

        loc = self.loc(name + "[0]")
        if loc < 0:
            loc = self.loc(name)
        if loc >= 0:
            a = np.ascontiguousarray(v, np.float32).reshape(-1, 3)
            GL.glUniform3fv(loc, a.shape[0], a)

    def set_int(self, name: str, v: int) -> None:
        from OpenGL import GL

        loc = self.loc(name)
        if loc >= 0:
            GL.glUniform1i(loc, int(v))


class MeshBuffer:
    """A vertex array of interleaved float32 attributes with an optional uint32 index buffer.

    ``layout`` lists ``(location, n_components)`` in the order they sit in a vertex.
    ``dynamic`` buffers are re-filled with :meth:`upload` every frame.
    """

    def __init__(self, layout: list[tuple[int, int]], dynamic: bool = False) -> None:
        from OpenGL import GL

        self.layout = layout
        self.stride_floats = sum(n for _, n in layout)
        self.usage = GL.GL_DYNAMIC_DRAW if dynamic else GL.GL_STATIC_DRAW
        self.vao = GL.glGenVertexArrays(1)
        self.vbo = GL.glGenBuffers(1)
        self.ebo = GL.glGenBuffers(1)
        self.n_vertices = 0
        self.n_indices = 0
        GL.glBindVertexArray(self.vao)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbo)
        offset = 0
        for loc, n in layout:
            GL.glEnableVertexAttribArray(loc)
            GL.glVertexAttribPointer(loc, n, GL.GL_FLOAT, GL.GL_FALSE, self.stride_floats * 4,
                                     ctypes.c_void_p(offset * 4))
            offset += n
        GL.glBindVertexArray(0)

    def upload(self, vertices: np.ndarray, indices: np.ndarray | None = None) -> None:
        from OpenGL import GL

        v = np.ascontiguousarray(vertices, np.float32)
        if v.ndim != 2 or v.shape[1] != self.stride_floats:
            raise ValueError(f"vertices: expected [n, {self.stride_floats}] float32, got {v.shape}")
        GL.glBindVertexArray(self.vao)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbo)
        GL.glBufferData(GL.GL_ARRAY_BUFFER, max(v.nbytes, 4), v if v.size else None, self.usage)
        self.n_vertices = v.shape[0]
        if indices is not None:
            i = np.ascontiguousarray(indices, np.uint32).ravel()
            GL.glBindBuffer(GL.GL_ELEMENT_ARRAY_BUFFER, self.ebo)
            GL.glBufferData(GL.GL_ELEMENT_ARRAY_BUFFER, max(i.nbytes, 4), i if i.size else None, self.usage)
            self.n_indices = i.size
        GL.glBindVertexArray(0)

    def draw_elements(self) -> None:
        from OpenGL import GL

        if self.n_indices:
            GL.glBindVertexArray(self.vao)
            GL.glDrawElements(GL.GL_TRIANGLES, self.n_indices, GL.GL_UNSIGNED_INT, None)

    def draw_arrays(self, mode: int | None = None) -> None:
        from OpenGL import GL

        if self.n_vertices:
            GL.glBindVertexArray(self.vao)
            GL.glDrawArrays(GL.GL_TRIANGLES if mode is None else mode, 0, self.n_vertices)


def make_texture_2d(internal: int, fmt: int, dtype: int, width: int, height: int,
                    filter_min: int | None = None, filter_mag: int | None = None) -> int:
    """Allocate a 2-D texture, clamped at the edges, NEAREST filtered unless told."""
    from OpenGL import GL

    tex = GL.glGenTextures(1)
    GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
    GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, internal, width, height, 0, fmt, dtype, None)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, filter_min or GL.GL_NEAREST)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, filter_mag or GL.GL_NEAREST)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)
    GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
    return int(tex)
