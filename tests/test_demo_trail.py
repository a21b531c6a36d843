"""The demo's complete request, read as an inspector would: plain git log and a TOML reader."""

import subprocess
import tomllib


def _git(path, *args):
    return subprocess.run(
        ["git", *args], cwd=path, capture_output=True, text=True, check=True
    ).stdout


def test_plain_git_log_shows_the_complete_request_step_by_step(demo_path):
    people = {
        p["email"]: p for p in tomllib.loads((demo_path / "people.toml").read_text())["person"]
    }
    sop = tomllib.loads(next((demo_path / "sop").glob("*.toml")).read_text())
    roles_of_step = {s["no"]: s["role"] for s in sop["step"]}
    receipt_role = next(s for s in sop["step"] if s["no"] == 19)["receipt_role"]

    fmt = (
        "%ae%x1f%aI%x1f%(trailers:key=Ktpel-Request,valueonly,separator=)%x1f"
        "%(trailers:key=Ktpel-Step,valueonly,separator=)%x1f%(trailers:key=Ktpel-Action,valueonly,separator=)%x1f"
        "%(trailers:key=Ktpel-Role,valueonly,separator=)%x1f%(trailers:key=Ktpel-On-Behalf-Of,valueonly,separator=)%x1e"
    )
    out = _git(
        demo_path, "log", "--reverse", f"--format={fmt}", "--", "requests/2026/2026-0001.toml"
    )
    commits = [c.strip("\n").split("\x1f") for c in out.split("\x1e") if c.strip()]

    advanced = [int(step) for _, _, _, step, action, _, _ in commits if action == "advance"]
    assert advanced == list(range(1, 19)), "steps 1..18 each once, in order"
    actions = [c[4] for c in commits]
    assert (
        actions[0] == "create" and actions.count("handover") == actions.count("receipt") == 4
    )  # Bangka: two
    times = [c[1] for c in commits]
    assert times == sorted(times) and all(t.endswith("+07:00") for t in times)

    for email, _, request, step, action, role, on_behalf in commits:
        assert request == "2026-0001"
        expected_role = receipt_role if action == "receipt" else roles_of_step[int(step)]
        assert role == expected_role, (step, action, role)
        person = people[email]
        if on_behalf:
            # Recorded by province staff for an actor without an account, marked as such.
            assert person["office"] == "prov" and set(person["roles"]) & {"kasi", "pelaksana"}
        else:
            assert role in person["roles"], f"{person['name']} lacks {role} for step {step}"

    request = tomllib.loads((demo_path / "requests/2026/2026-0001.toml").read_text())
    assert request["state"] == {"status": "selesai", "step": 19, "since": request["state"]["since"]}
    assert len(request["event"]) == len(commits), "one event per commit"


def test_each_step_commit_changes_exactly_one_request_file(demo_path):
    """One request file per step commit, plus the evidence files its event attaches (the demo's
    first handover of 2026-0001 carries two: a signed BAST scan and a photo)."""
    out = _git(demo_path, "log", "--format=%x1e%s", "--name-only")
    with_evidence = 0
    for record in out.split("\x1e"):
        lines = [line for line in record.splitlines() if line.strip()]
        if not lines or not lines[0].startswith("["):
            continue  # the first commit sets up policy files (and requests/.gitkeep)
        files = [f for f in lines[1:] if not f.startswith("evidence/sha256/")]
        assert len(files) == 1 and files[0].startswith("requests/2026/"), lines
        if len(lines) > 2:
            with_evidence += 1
            assert len(lines) == 4 and lines[0].startswith("[2026-0001]"), lines
    assert with_evidence == 1
