"""Offline checks of the container setup: docker-compose.yml, services/*/Dockerfile,
.dockerignore and the gateway's Caddyfile.

No Docker engine is needed. The compose file is validated against the compose
specification's JSON schema (check-jsonschema's vendored copy); the rest is cross-checked
by reading the files: every COPY source is in its build context and not ignored, every
build points at a Dockerfile, every dependency that must be healthy has a healthcheck,
and the gateway routes /api/ and /auth/ to services that exist, on the ports they listen on.

Needs: pytest, pyyaml, check-jsonschema (its executable beside sys.executable or on PATH).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent  # tests/ lives at the repo root
COMPOSE_FILE = ROOT / "docker-compose.yml"
CADDYFILE_IN_CONTAINER = "/etc/caddy/Caddyfile"


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def load_compose() -> dict:
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing"
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)  # resolves anchors, aliases and "<<" merge keys
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    assert isinstance(data.get("services"), dict) and data["services"], "no services"
    return data


def interpolate_defaults(value: str) -> str:
    """Resolve ${VAR:-default} / ${VAR-default} to the default, ${VAR} to ''."""
    return re.sub(
        r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?(?::?\?[^}]*)?\}",
        lambda m: m.group(2) or "",
        value,
    )


@dataclass
class Build:
    context: Path
    dockerfile: Path
    args: dict[str, str] = field(default_factory=dict)


def service_build(service: dict) -> Build | None:
    """The build a compose service declares (short and long syntax), paths resolved."""
    build = service.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        build = {"context": build}
    context = ROOT / interpolate_defaults(str(build.get("context", ".")))
    dockerfile = build.get("dockerfile", "Dockerfile")
    args = build.get("args") or {}
    if isinstance(args, list):  # ["NAME=value", ...]
        args = dict(a.partition("=")[::2] for a in args)
    return Build(
        context=context.resolve(),
        dockerfile=(context / dockerfile).resolve(),
        args={k: interpolate_defaults(str(v)) for k, v in args.items() if v is not None},
    )


def compose_builds() -> dict[str, Build]:
    return {
        name: b for name, svc in load_compose()["services"].items() if (b := service_build(svc))
    }


# --------------------------------------------------------------------------------------
# Dockerfile parsing (the subset Shelf uses, plus heredocs and ARG substitution)
# --------------------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


def parse_dockerfile(path: Path) -> tuple[list[Instruction], list[Stage]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    escape = "\\"
    for line in lines:  # parser directives come first; only `escape` matters here
        m = re.match(r"#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$", line)
        if not m:
            break
        if m.group(1).lower() == "escape":
            escape = m.group(2)

    instructions: list[Instruction] = []
    i = 0
    while i < len(lines):
        start = i
        stripped = lines[i].strip()
        i += 1
        if not stripped or stripped.startswith("#"):
            continue
        parts = []
        text = lines[start].rstrip()
        while text.endswith(escape):
            parts.append(text[: -len(escape)])
            # comment and blank lines inside a continuation are dropped, as Docker does
            while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
                i += 1
            if i >= len(lines):
                text = ""
                break
            text = lines[i].rstrip()
            i += 1
        parts.append(text)
        full = " ".join(p.strip() for p in parts if p.strip())
        keyword, _, args = full.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start + 1))
        for m in _HEREDOC.finditer(args):  # skip heredoc bodies
            strip_tabs, delimiter = m.group(1) == "-", m.group(3)
            while i < len(lines):
                body = lines[i].lstrip("\t") if strip_tabs else lines[i]
                i += 1
                if body == delimiter:
                    break

    stages: list[Stage] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            words = [w for w in ins.args.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(base=words[0], name=name))
        elif stages:
            stages[-1].instructions.append(ins)
    return instructions, stages


def split_words(args: str) -> list[str]:
    if args.startswith("["):
        try:
            words = json.loads(args)
        except json.JSONDecodeError:
            pass
        else:
            if isinstance(words, list) and all(isinstance(w, str) for w in words):
                return words
    return shlex.split(args, posix=True)


@dataclass
class CopySource:
    path: str
    line: int
    keyword: str


def copy_sources(path: Path, build_args: dict[str, str] | None = None) -> list[CopySource]:
    """COPY/ADD sources read from the build context (not --from, not URLs or heredocs).
    ${ARG}s resolve to the compose build args, else the ARG's default; an ARG with
    neither is an error (Docker would silently use an empty string)."""
    instructions, _ = parse_dockerfile(path)
    build_args = build_args or {}
    args_defaults: dict[str, str] = {}
    sources: list[CopySource] = []
    for ins in instructions:
        if ins.keyword == "ARG":
            for word in split_words(ins.args):
                name, has_default, default = word.partition("=")
                if name in build_args:
                    args_defaults[name] = build_args[name]
                elif has_default:
                    args_defaults[name] = default
            continue
        if ins.keyword not in ("COPY", "ADD"):
            continue
        words = split_words(ins.args)
        flags = [w for w in words if w.startswith("--")]
        rest = [w for w in words if not w.startswith("--")]
        if any(f.startswith("--from") for f in flags):
            continue
        assert len(rest) >= 2, f"{path}:{ins.line}: {ins.keyword} needs a source and a destination"
        for src in rest[:-1]:
            if src.startswith("<<") or re.match(r"^[a-z]+://|^git@", src):
                continue
            resolved = re.sub(
                r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?",
                lambda m: args_defaults.get(m.group(1), m.group(0)),
                src,
            )
            assert "$" not in resolved, (
                f"{path}:{ins.line}: cannot resolve {src!r} "
                "(an ARG with no default and no build arg in docker-compose.yml?)"
            )
            sources.append(CopySource(resolved, ins.line, ins.keyword))
    return sources


def exposed_ports(path: Path) -> set[int]:
    _, stages = parse_dockerfile(path)
    ports: set[int] = set()
    if stages:
        for ins in stages[-1].instructions:
            if ins.keyword == "EXPOSE":
                ports.update(int(w.split("/")[0]) for w in ins.args.split())
    return ports


def dockerfile_healthcheck(path: Path) -> bool:
    """Whether the final stage declares a HEALTHCHECK (other than NONE)."""
    _, stages = parse_dockerfile(path)
    found = False
    for ins in stages[-1].instructions if stages else []:
        if ins.keyword == "HEALTHCHECK":
            found = ins.args.strip().upper() != "NONE"
    return found


# --------------------------------------------------------------------------------------
# .dockerignore (Docker's rules: patterns relative to the context root, "**" spans
# directories, "!" re-includes, the last matching pattern wins, a match on a parent
# directory excludes everything below it)
# --------------------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out += re.escape(c)
            else:
                cls = pattern[i + 1 : end].replace("\\", "\\\\")
                if cls.startswith("!"):
                    cls = "^" + cls[1:]
                out += f"[{cls}]"
                i = end
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


def dockerignore_rules(build: Build) -> list[tuple[bool, re.Pattern[str], str]]:
    # A Dockerfile-specific ignore file (<Dockerfile>.dockerignore) takes precedence.
    candidates = [
        build.dockerfile.with_name(build.dockerfile.name + ".dockerignore"),
        build.context / ".dockerignore",
    ]
    ignore_file = next((p for p in candidates if p.is_file()), None)
    rules: list[tuple[bool, re.Pattern[str], str]] = []
    if ignore_file is None:
        return rules
    for raw in ignore_file.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:].strip() if negate else line
        pattern = str(PurePosixPath("/" + pattern)).lstrip("/") or "."
        rules.append((negate, _pattern_regex(pattern), line))
    return rules


def ignored_by(rel: str, rules) -> str | None:
    """The pattern that excludes `rel` from the context, if any: the last rule matching
    the path or one of its parent directories decides."""
    parts = PurePosixPath(rel).parts
    prefixes = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
    verdict = None
    for negate, regex, line in rules:
        if any(regex.match(prefix) for prefix in prefixes):
            verdict = None if negate else line
    return verdict


# --------------------------------------------------------------------------------------
# Caddyfile parsing: a tree of directives (words, children)
# --------------------------------------------------------------------------------------


@dataclass
class Directive:
    words: list[str]
    children: list[Directive] = field(default_factory=list)
    line: int = 0


def parse_caddyfile(text: str) -> list[Directive]:
    root: list[Directive] = []
    stack: list[list[Directive]] = [root]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        lexer = shlex.shlex(line, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        words = []
        for word in lexer:
            if word.startswith("#"):
                break
            words.append(word)
        if words == ["}"]:
            assert len(stack) > 1, f"Caddyfile line {number}: unbalanced '}}'"
            stack.pop()
            continue
        opens = bool(words) and words[-1] == "{"
        if opens:
            words = words[:-1]
        directive = Directive(words, line=number)
        stack[-1].append(directive)
        if opens:
            stack.append(directive.children)
    assert len(stack) == 1, "Caddyfile: unbalanced '{'"
    return root


def walk(directives: list[Directive]):
    for d in directives:
        yield d
        yield from walk(d.children)


@dataclass
class Route:
    matcher: str  # "" for the catch-all handle
    strips: str | None  # prefix removed before proxying, if any
    upstreams: list[str]
    line: int


def caddy_default(word: str) -> str:
    """A Caddyfile word with each {$VAR:default} resolved to its default, as Caddy does when
    the variable is unset (compose sets none of the gateway's)."""
    return re.sub(r"\{\$[A-Za-z_][A-Za-z0-9_]*(?::([^}]*))?\}", lambda m: m.group(1) or "", word)


def gateway_routes(directives: list[Directive]) -> list[Route]:
    """One Route per path a handle block serves (a named matcher `@name path a b` gives one
    per path); upstreams from `reverse_proxy host:port`, `to` and `dynamic a host port`."""
    named = {
        d.words[0]: d.words[2:]
        for d in walk(directives)
        if len(d.words) > 2 and d.words[0].startswith("@") and d.words[1] == "path"
    }
    routes = []
    for d in walk(directives):
        if not d.words or d.words[0] not in ("handle", "handle_path"):
            continue
        matcher = d.words[1] if len(d.words) > 1 else ""
        strips = None
        if d.words[0] == "handle_path":
            strips = matcher.rstrip("*").rstrip("/")
        upstreams: list[str] = []
        for inner in walk(d.children):
            if inner.words[:2] == ["uri", "strip_prefix"] and len(inner.words) > 2:
                strips = inner.words[2]
            if inner.words and inner.words[0] == "reverse_proxy":
                upstreams += [caddy_default(w) for w in inner.words[1:] if not w.startswith("@")]
                for sub in inner.children:
                    if sub.words and sub.words[0] == "to":
                        upstreams += [caddy_default(w) for w in sub.words[1:]]
                    if sub.words[:2] == ["dynamic", "a"] and len(sub.words) >= 4:
                        upstreams.append(":".join(caddy_default(w) for w in sub.words[2:4]))
        if upstreams:
            for path in named.get(matcher, [matcher]):
                routes.append(Route(path, strips, upstreams, d.line))
    return routes


def upstream_host_port(upstream: str) -> tuple[str, int]:
    upstream = re.sub(r"^[a-z]+://", "", upstream)
    host, _, port = upstream.rpartition(":")
    assert host and port.isdigit(), f"upstream {upstream!r} needs host:port"
    return host, int(port)


def gateway_caddyfile() -> tuple[str, Path]:
    """The compose service that mounts a Caddyfile, and the file on the host."""
    found = []
    for name, svc in load_compose()["services"].items():
        for volume in svc.get("volumes", []) or []:
            if isinstance(volume, dict):
                source, target = volume.get("source", ""), volume.get("target", "")
            else:
                source, _, rest = str(volume).partition(":")
                target = rest.split(":")[0]
            if target == CADDYFILE_IN_CONTAINER:
                found.append((name, (ROOT / interpolate_defaults(source)).resolve()))
    assert len(found) == 1, f"expected one service mounting {CADDYFILE_IN_CONTAINER}: {found}"
    return found[0]


# --------------------------------------------------------------------------------------
# Health
# --------------------------------------------------------------------------------------


def has_healthcheck(name: str, services: dict) -> bool:
    """A compose healthcheck, or one from the Dockerfile that builds the service's image.
    A service that runs another command than the image's (tasks-worker) cannot rely on
    the image's healthcheck, which probes the image's own process."""
    svc = services[name]
    check = svc.get("healthcheck")
    if check is not None:
        return not check.get("disable", False) and check.get("test") not in (None, ["NONE"])
    if svc.get("command") is not None or svc.get("entrypoint") is not None:
        return False
    build = service_build(svc)
    if build is None and svc.get("image"):
        # an image built by another service of this file (tasks-worker reuses tasks')
        builders = [
            service_build(other)
            for other in services.values()
            if other.get("image") == svc["image"] and other.get("build")
        ]
        build = builders[0] if builders else None
    return bool(build and build.dockerfile.is_file() and dockerfile_healthcheck(build.dockerfile))


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {d: "service_started" for d in deps}
    return {d: (spec or {}).get("condition", "service_started") for d, spec in deps.items()}


# ======================================================================================
# (a) the compose file against the compose specification
# ======================================================================================


def check_jsonschema_executable() -> str:
    bindir = Path(sys.executable).parent  # the environment running pytest (not resolved)
    for candidate in (bindir / "check-jsonschema", bindir / "check-jsonschema.exe"):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("check-jsonschema")
    if found is None:
        pytest.fail("check-jsonschema is not installed beside the Python running pytest")
    return found


def test_compose_file_matches_compose_spec():
    result = subprocess.run(
        [
            check_jsonschema_executable(),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"docker-compose.yml does not validate against the compose spec "
        f"(exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
    )


# ======================================================================================
# (b) Dockerfiles: every COPY/ADD source exists in the build context compose declares
# ======================================================================================

SERVICE_DOCKERFILES = sorted(ROOT.glob("services/*/Dockerfile"))


def test_services_have_dockerfiles():
    assert SERVICE_DOCKERFILES, "no services/*/Dockerfile found"


@pytest.mark.parametrize(
    "dockerfile", SERVICE_DOCKERFILES, ids=[p.parent.name for p in SERVICE_DOCKERFILES]
)
def test_dockerfile_copy_sources_exist_in_build_context(dockerfile: Path):
    builds = [b for b in compose_builds().values() if b.dockerfile == dockerfile.resolve()]
    assert builds, f"{dockerfile.relative_to(ROOT)} is built by no service in docker-compose.yml"
    problems = []
    for build in builds:
        sources = copy_sources(dockerfile, build.args)
        assert sources, f"{dockerfile.relative_to(ROOT)} copies nothing from its build context"
        rules = dockerignore_rules(build)
        for src in sources:
            where = f"{dockerfile.relative_to(ROOT)}:{src.line}: {src.keyword} {src.path}"
            rel = str(PurePosixPath("/" + src.path)).lstrip("/") or "."
            target = (build.context / rel).resolve()
            if not target.is_relative_to(build.context):
                problems.append(f"{where}: outside the build context {build.context}")
                continue
            if any(ch in rel for ch in "*?["):
                matches = list(build.context.glob(rel))
                if not matches:
                    problems.append(f"{where}: matches nothing in {build.context}")
                continue
            if not target.exists():
                problems.append(f"{where}: does not exist in the build context {build.context}")
                continue
            pattern = ignored_by(rel, rules)
            if pattern:
                problems.append(f"{where}: excluded by .dockerignore pattern {pattern!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "dockerfile", SERVICE_DOCKERFILES, ids=[p.parent.name for p in SERVICE_DOCKERFILES]
)
def test_dockerfile_final_stage_is_non_root_and_healthchecked(dockerfile: Path):
    _, stages = parse_dockerfile(dockerfile)
    assert stages, f"{dockerfile}: no FROM"
    final = stages[-1]
    users = [ins.args.split(":")[0] for ins in final.instructions if ins.keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), f"{dockerfile}: final stage runs as root"
    assert dockerfile_healthcheck(dockerfile), f"{dockerfile}: final stage has no HEALTHCHECK"
    assert exposed_ports(dockerfile), f"{dockerfile}: final stage EXPOSEs no port"


# ======================================================================================
# (c) compose cross-references and the gateway
# ======================================================================================


def test_builds_point_at_existing_dockerfiles():
    builds = compose_builds()
    assert builds, "no service in docker-compose.yml has a build"
    missing = [
        f"{name}: {b.dockerfile} (context {b.context})"
        for name, b in builds.items()
        if not b.context.is_dir() or not b.dockerfile.is_file()
    ]
    assert not missing, "builds without a Dockerfile:\n" + "\n".join(missing)


def test_image_only_services_are_pullable_or_built_here():
    """A service without build uses a registry image or one another service builds."""
    services = load_compose()["services"]
    built = {svc.get("image") for svc in services.values() if svc.get("build")}
    for name, svc in services.items():
        if svc.get("build"):
            continue
        image = svc.get("image", "")
        assert image, f"{name}: neither build nor image"
        if image.endswith(":local"):
            assert image in built, f"{name}: local image {image} is built by no service"


def test_depends_on_targets_exist_and_are_healthchecked():
    services = load_compose()["services"]
    problems = []
    for name, svc in services.items():
        for target, condition in depends_on(svc).items():
            if target not in services:
                problems.append(f"{name} depends on {target!r}, which is not a service")
            elif condition == "service_healthy" and not has_healthcheck(target, services):
                problems.append(f"{name} waits for {target} to be healthy: it has no healthcheck")
    assert not problems, "\n".join(problems)


def one_off_jobs(services: dict) -> set[str]:
    """Services that run once and exit (a migration), which others wait for to complete."""
    return {
        target
        for svc in services.values()
        for target, condition in depends_on(svc).items()
        if condition == "service_completed_successfully"
        and services.get(target, {}).get("restart") == "no"
    }


def test_every_service_has_a_healthcheck():
    services = load_compose()["services"]
    jobs = one_off_jobs(services)
    assert jobs == {"auth-migrate", "api-migrate", "tasks-migrate"}
    missing = [
        name for name in services if name not in jobs and not has_healthcheck(name, services)
    ]
    assert not missing, f"services without a healthcheck: {missing}"


def test_gateway_routes_api_and_auth_to_existing_services():
    services = load_compose()["services"]
    gateway, caddyfile = gateway_caddyfile()
    assert caddyfile.is_file(), f"{gateway} mounts {caddyfile}, which does not exist"
    routes = gateway_routes(parse_caddyfile(caddyfile.read_text(encoding="utf-8")))

    def route_for(prefix: str) -> Route:
        matching = [r for r in routes if r.matcher.rstrip("*").rstrip("/") == prefix.rstrip("/")]
        assert matching, f"{caddyfile.name}: no handle block for {prefix}* (routes: {routes})"
        return matching[0]

    def listening_ports(name: str) -> set[int]:
        svc = services[name]
        ports = {int(str(p).split("/")[0]) for p in svc.get("expose", []) or []}
        build = service_build(svc)
        if build and build.dockerfile.is_file():
            ports |= exposed_ports(build.dockerfile)
        return ports

    api, auth = route_for("/api/"), route_for("/auth/")
    health, feeds = route_for("/health"), route_for("/feeds/")
    catch_all = [r for r in routes if r.matcher in ("", "*", "/*")]
    assert catch_all, f"{caddyfile.name}: no catch-all route (the UI at /)"

    expected = {"/api/": (api, None), "/auth/": (auth, "/auth")}
    for prefix, (route, strip) in expected.items():
        assert route.strips == strip, (
            f"{caddyfile.name}:{route.line}: {prefix} must "
            + ("be proxied as is (linkding paths)" if strip is None else f"strip {strip}")
            + f", strips {route.strips!r}"
        )
    for route in [api, auth, *catch_all]:
        for upstream in route.upstreams:
            host, port = upstream_host_port(upstream)
            assert host in services, (
                f"{caddyfile.name}:{route.line}: upstream {upstream} is not a compose service"
            )
            ports = listening_ports(host)
            assert not ports or port in ports, (
                f"{caddyfile.name}:{route.line}: {host} listens on {sorted(ports)}, not {port}"
            )
            assert depends_on(services[gateway]).get(host) or any(
                host in depends_on(services[d]) for d in depends_on(services[gateway])
            ), f"{gateway} does not wait for {host}, directly or through its dependencies"
    assert upstream_host_port(api.upstreams[0])[0] == "api", "/api/ should go to the api service"
    for route in (health, feeds):  # linkding's clients call /health first (contract C7)
        assert upstream_host_port(route.upstreams[0])[0] == "api", f"{route.matcher} -> api"
    assert upstream_host_port(auth.upstreams[0])[0] == "auth", "/auth/ should go to auth"
    assert upstream_host_port(catch_all[0].upstreams[0])[0] == "ui", "/ should go to the ui"


# ======================================================================================
# (d) what issue 13 asked of the Dockerfiles and the gateway's one Caddyfile
# ======================================================================================

ALL_DOCKERFILES = [*SERVICE_DOCKERFILES, ROOT / "deploy" / "gateway" / "Dockerfile"]


@pytest.mark.parametrize(
    "dockerfile", ALL_DOCKERFILES, ids=[p.parent.name for p in ALL_DOCKERFILES]
)
def test_dockerfile_needs_no_frontend_image(dockerfile: Path):
    """A `# syntax=` line makes BuildKit fetch a frontend image first: offline, every build
    fails. The built-in frontend has everything Shelf's Dockerfiles use."""
    first = dockerfile.read_text(encoding="utf-8").splitlines()[0]
    assert not re.match(r"#\s*syntax\s*=", first, re.IGNORECASE), f"{dockerfile}: {first}"


@pytest.mark.parametrize(
    "dockerfile", SERVICE_DOCKERFILES, ids=[p.parent.name for p in SERVICE_DOCKERFILES]
)
def test_dockerfile_header_names_every_lib_it_copies(dockerfile: Path):
    text = dockerfile.read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    copied = re.findall(r"^COPY (libs/[\w-]+) ", text, re.MULTILINE)
    assert copied, f"{dockerfile} copies no lib"
    missing = [lib for lib in copied if lib not in header]
    assert not missing, f"{dockerfile}'s header comment does not name {missing}"


def test_make_run_and_compose_read_one_caddyfile():
    _, mounted = gateway_caddyfile()
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    gateway_line = next(line for line in procfile.splitlines() if line.startswith("gateway:"))
    assert f"--config {mounted.relative_to(ROOT)}" in gateway_line


@pytest.mark.parametrize(
    "dockerfile", SERVICE_DOCKERFILES, ids=[p.parent.name for p in SERVICE_DOCKERFILES]
)
def test_dockerfile_copies_every_lib_its_lock_installs_by_path(dockerfile: Path):
    """`uv sync --frozen` in the image installs what the service's uv.lock names, the libs
    by their path: a lib the lock needs and the image lacks fails the build ("Distribution
    not found at: file:///src/libs/..."), which only a real `docker compose build` showed."""
    lock = (dockerfile.parent / "uv.lock").read_text(encoding="utf-8")
    needed = set(
        re.findall(r'source = \{ (?:editable|directory) = "\.\./\.\./(libs/[\w-]+)" \}', lock)
    )
    assert needed, f"{dockerfile.parent.name}'s uv.lock installs no lib by path"
    copied = set(re.findall(r"^COPY (libs/[\w-]+) ", dockerfile.read_text(encoding="utf-8"), re.M))
    assert needed <= copied, f"{dockerfile} does not copy {sorted(needed - copied)}"
