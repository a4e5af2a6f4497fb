"""The key file is trusted only when it is really ours, and is created whole, once
(security review 2026-12, L9)."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from bot.privacy import keys
from bot.privacy.keys import SecretError, load_or_create_secret

GOOD_KEY = "0123456789abcdef" * 4 + "\n"


def planted(tmp_path: Path, mode: int = 0o600, text: str = GOOD_KEY) -> Path:
    key_file = tmp_path / "vigie.key"
    key_file.write_text(text, encoding="ascii")
    key_file.chmod(mode)
    return key_file


def refused(key_file: Path, *fragments: str) -> str:
    with pytest.raises(SecretError) as caught:
        load_or_create_secret(None, key_file)
    message = str(caught.value)
    assert all(f in message for f in fragments), message
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_good_key_file_is_used(tmp_path: Path) -> None:
    assert load_or_create_secret(None, planted(tmp_path)) == GOOD_KEY.strip().encode()


def test_a_symbolic_link_is_refused_even_to_a_good_key(tmp_path: Path) -> None:
    target = planted(tmp_path)
    link = tmp_path / "data" / "vigie.key"
    link.parent.mkdir()
    link.symlink_to(target)
    refused(link, "symbolic link")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660], ids=lambda m: f"{m:o}")
def test_a_key_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    key_file = planted(tmp_path, mode)
    refused(key_file, "other users", f"{mode:04o}", "chmod 600")


@pytest.mark.skipif(os.getuid() != 0, reason="changing a file's owner needs root")
def test_a_key_file_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    key_file = planted(tmp_path)
    os.chown(key_file, 65534, 65534)
    refused(key_file, "belongs to another user", "65534")


@pytest.mark.parametrize(
    "text",
    ["", "\n", "tooshort\n", "é" * 40, "0123456789abcdef" * 2 + "\x00" * 8],
    ids=["empty", "blank", "short", "not-ascii", "control-characters"],
)
def test_a_damaged_key_file_is_refused(tmp_path: Path, text: str) -> None:
    key_file = tmp_path / "vigie.key"
    key_file.write_bytes(text.encode("utf-8"))
    key_file.chmod(0o600)
    refused(key_file, "damaged")


def test_a_new_key_file_is_private_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    key_file = tmp_path / "fresh" / "vigie.key"
    secret = load_or_create_secret(None, key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["vigie.key"]
    assert load_or_create_secret(None, key_file) == secret


def _first_start(key_file: str, barrier: multiprocessing.synchronize.Barrier, out: object) -> None:
    barrier.wait()
    try:
        out.put(load_or_create_secret(None, Path(key_file)))  # type: ignore[attr-defined]
    except SecretError as exc:
        out.put(f"error: {exc}")  # type: ignore[attr-defined]


def test_first_starts_at_the_same_time_all_get_the_same_key(tmp_path: Path) -> None:
    """The review saw 65 failures in 200 runs of two simultaneous first starts."""
    context = multiprocessing.get_context("fork")
    starts = 6
    for run in range(15):
        key_file = tmp_path / f"run{run}" / "vigie.key"
        barrier = context.Barrier(starts)
        out = context.Queue()
        workers = [
            context.Process(target=_first_start, args=(str(key_file), barrier, out))
            for _ in range(starts)
        ]
        for worker in workers:
            worker.start()
        results = [out.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        assert all(isinstance(r, bytes) for r in results), results
        assert len(set(results)) == 1, f"run {run}: {len(set(results))} different keys"
        assert results[0] == key_file.read_text(encoding="ascii").strip().encode()


def refusal(key_file: Path) -> str:
    with pytest.raises(SecretError) as caught:
        load_or_create_secret(None, key_file)
    return str(caught.value)


def test_a_folder_in_place_of_the_key_file_is_named_as_not_a_regular_file(tmp_path: Path) -> None:
    key_file = tmp_path / "vigie.key"
    key_file.mkdir()
    assert refusal(key_file) == f"the key file {key_file} is not a regular file"


def test_the_refusal_of_an_open_key_file_gives_its_mode_and_the_command_to_run(
    tmp_path: Path,
) -> None:
    key_file = planted(tmp_path, 0o640)
    assert refusal(key_file) == (
        f"the key file {key_file} can be read or changed by other users (mode 0640): "
        f"run chmod 600 {key_file}"
    )


@pytest.mark.parametrize("mode", [0o601, 0o610, 0o602, 0o620], ids=lambda m: f"{m:o}")
def test_a_key_file_writable_or_executable_by_others_is_refused_too(
    tmp_path: Path, mode: int
) -> None:
    refused(planted(tmp_path, mode), f"(mode {mode:04o})")


@pytest.mark.skipif(os.getuid() != 0, reason="changing a file's owner needs root")
def test_the_refusal_of_a_foreign_key_file_names_its_owner_and_the_rule(tmp_path: Path) -> None:
    key_file = planted(tmp_path)
    os.chown(key_file, 65534, 65534)
    assert refusal(key_file) == (
        f"the key file {key_file} belongs to another user (uid 65534): "
        "it must belong to the user running Vigie"
    )


def test_the_refusal_of_a_damaged_key_file_says_to_restore_it_and_what_deleting_costs(
    tmp_path: Path,
) -> None:
    key_file = planted(tmp_path, text="short\n")
    assert refusal(key_file) == (
        f"the key file {key_file} is damaged (empty, too short or not text): restore it "
        "from a backup; deleting it makes a new key and forgets every session"
    )


def test_the_refusal_of_a_symbolic_link_says_to_put_the_file_itself(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    link = tmp_path / "vigie.key"
    link.symlink_to(planted(tmp_path / "real"))
    assert refusal(link) == (
        f"the key file {link} is a symbolic link: replace it with the file itself"
    )


def test_a_key_file_under_a_file_is_one_sentence_with_the_systems_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file, not a folder")
    key_file = blocker / "vigie.key"
    assert refusal(key_file) == f"cannot read or create the key file {key_file}: Not a directory"


@pytest.mark.parametrize(("chars", "accepted"), [(31, False), (32, True)])
def test_a_key_needs_at_least_32_characters(tmp_path: Path, chars: int, accepted: bool) -> None:
    key_file = planted(tmp_path, text="k" * chars + "\n")
    if accepted:
        assert load_or_create_secret(None, key_file) == b"k" * chars
    else:
        refused(key_file, "damaged")


@pytest.mark.parametrize(("size", "accepted"), [(4096, True), (4097, False)])
def test_a_key_file_holds_at_most_4096_bytes(tmp_path: Path, size: int, accepted: bool) -> None:
    key_file = planted(tmp_path, text="k" * (size - 1) + "\n")
    if accepted:
        assert load_or_create_secret(None, key_file) == b"k" * (size - 1)
    else:
        refused(key_file, "damaged")


def test_a_new_key_is_64_hexadecimal_characters_on_one_line(tmp_path: Path) -> None:
    key_file = tmp_path / "vigie.key"
    secret = load_or_create_secret(None, key_file)
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert key_file.read_bytes() == secret + b"\n"


@pytest.mark.parametrize(("explicit", "accepted"), [("s" * 15, False), ("s" * 16, True)])
def test_vigie_secret_needs_16_characters_and_says_so(
    tmp_path: Path, explicit: str, accepted: bool
) -> None:
    key_file = tmp_path / "vigie.key"
    if accepted:
        assert load_or_create_secret(explicit, key_file) == explicit.encode()
        return
    with pytest.raises(SecretError) as caught:
        load_or_create_secret(explicit, key_file)
    assert str(caught.value) == "VIGIE_SECRET must be at least 16 characters long"


def test_an_empty_vigie_secret_means_the_key_file(tmp_path: Path) -> None:
    key_file = planted(tmp_path)
    assert load_or_create_secret("", key_file) == GOOD_KEY.strip().encode()


class AnotherStart:
    """Another start creating the key at the same moment, as this start sees it: the
    temporary name it draws is taken, and the other's key file appears after `appears_after`
    of this start's waits (never when None). The waits are recorded, not slept."""

    def __init__(self, key_file: Path, appears_after: int | None) -> None:
        self.key_file = key_file
        self.appears_after = appears_after
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) == self.appears_after:
            planted(self.key_file.parent)

    def token_hex(self, nbytes: int | None = None) -> str:
        return "5a" * (nbytes or 32)  # the temporary name drawn is always the one taken


def racing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, appears_after: int | None
) -> tuple[Path, AnotherStart]:
    key_file = tmp_path / "vigie.key"
    other = AnotherStart(key_file, appears_after)
    monkeypatch.setattr(keys, "time", other)
    monkeypatch.setattr(keys, "secrets", other)
    return key_file, other


def temporary_name(key_file: Path) -> Path:
    return key_file.with_name(f".{key_file.name}.{os.getpid()}.{'5a' * 4}")


def test_a_start_that_finds_the_key_being_created_waits_longer_each_time_then_reads_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file, other = racing(monkeypatch, tmp_path, appears_after=5)
    temporary_name(key_file).write_text("")
    assert load_or_create_secret(None, key_file) == GOOD_KEY.strip().encode()
    assert other.waits == pytest.approx([0.01, 0.02, 0.03, 0.04, 0.05])


def test_a_key_file_that_never_appears_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file, other = racing(monkeypatch, tmp_path, appears_after=None)
    temporary_name(key_file).write_text("")
    assert refusal(key_file) == (
        f"the key file {key_file} keeps disappearing; check the folder"
    )
    assert len(other.waits) == 5


def test_a_link_planted_at_the_temporary_name_never_receives_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file, _ = racing(monkeypatch, tmp_path, appears_after=None)
    elsewhere = tmp_path / "elsewhere"
    temporary_name(key_file).symlink_to(elsewhere)
    refused(key_file, "keeps disappearing")
    assert not elsewhere.exists() and not key_file.exists()
