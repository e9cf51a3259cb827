"""The French catalogue: complete, faithful to its placeholders, compiled, and actually served.

The .po is parsed with a small reader below (polib is not a dependency); the compiled .mo is read
with the standard library's `gettext`, the same reader Django uses.
"""

import ast
import gettext
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from portfolio.rules import ProjectStatus
from portfolio.tests.factories import ObjectiveFactory, ProjectFactory

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# %(name)s, %s, %d…, {name} / {0} / {}: what the code fills in and the translation must keep.
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{[A-Za-z_0-9]*\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def _unquote(text: str) -> str:
    # A .po string is a C-style quoted string; Python's literal syntax reads the same escapes.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Every active (non-obsolete) entry of a .po file, the header included (msgid "")."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # the keyword the next continuation line extends
    pending_flags: set[str] = set()

    def start(lineno: int) -> Entry:
        nonlocal current, pending_flags
        current = Entry(flags=pending_flags, line=lineno)
        pending_flags = set()
        entries.append(current)
        return current

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            target = None
            continue
        if line.startswith("#~"):  # obsolete entries are not served
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{lineno}: stray string"
            name, index = target
            value = _unquote(line)
        elif keyword == "msgctxt":
            current = start(lineno)
            current.msgctxt = ""
            name, index, value = "msgctxt", None, _unquote(rest)
        elif keyword == "msgid":
            if current is None or current.msgctxt is None or current.msgid or current.msgstr:
                current = start(lineno)
            name, index, value = "msgid", None, _unquote(rest)
        elif keyword == "msgid_plural":
            name, index, value = "msgid_plural", None, _unquote(rest)
        elif keyword == "msgstr":
            name, index, value = "msgstr", 0, _unquote(rest)
        elif keyword.startswith("msgstr["):
            name, index, value = "msgstr", int(keyword[7:-1]), _unquote(rest)
        else:
            raise AssertionError(f"{path}:{lineno}: unexpected line {raw!r}")
        assert current is not None
        target = (name, index)
        if name == "msgstr":
            current.msgstr[index] = current.msgstr.get(index, "") + value
        else:
            setattr(current, name, (getattr(current, name) or "") + value)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    entries = parse_po(PO_PATH)
    assert entries[0].msgid == "", "the .po starts with its header"
    return entries


@pytest.fixture(scope="module")
def messages(catalogue) -> list[Entry]:
    return [entry for entry in catalogue if entry.msgid]


def _where(entry: Entry) -> str:
    return f"{PO_PATH.name}:{entry.line} {entry.msgid!r}"


def test_header_declares_french_plural_forms(catalogue):
    header = catalogue[0]
    assert "fuzzy" not in header.flags
    assert "Language: fr\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_every_message_is_translated_and_reviewed(messages):
    assert len(messages) > 100, "makemessages found the project's strings"
    untranslated = [
        _where(entry)
        for entry in messages
        if not entry.msgstr or not all(entry.msgstr.get(i) for i in ((0, 1) if entry.msgid_plural else (0,)))
    ]
    fuzzy = [_where(entry) for entry in messages if "fuzzy" in entry.flags]
    assert not untranslated, "untranslated: " + "; ".join(untranslated)
    assert not fuzzy, "fuzzy (review, then remove the flag): " + "; ".join(fuzzy)


def test_translations_keep_placeholders_and_markup(messages):
    problems = []
    for entry in messages:
        sources = {0: entry.msgid, 1: entry.msgid_plural or entry.msgid}
        for index, translated in entry.msgstr.items():
            source = sources[min(index, 1)]
            for pattern, what in ((PLACEHOLDER, "placeholders"), (HTML_TAG, "HTML")):
                if sorted(pattern.findall(source)) != sorted(pattern.findall(translated)):
                    problems.append(f"{_where(entry)}: {what} differ in msgstr[{index}] {translated!r}")
            if source.endswith("\n") != translated.endswith("\n"):
                problems.append(f"{_where(entry)}: trailing newline differs")
    assert not problems, "\n".join(problems)


def test_placeholder_pattern_catches_a_dropped_name():
    # The check above is only as good as this pattern.
    assert PLACEHOLDER.findall("“%(action)s” from %(status)s, %d of {count}") == [
        "%(action)s",
        "%(status)s",
        "%d",
        "{count}",
    ]
    assert HTML_TAG.findall('see <a href="%(url)s">the API</a>') == ['<a href="%(url)s">', "</a>"]


def test_compiled_catalogue_matches_the_po(messages):
    """The committed .mo is what a machine without gettext serves: it must say what the .po says."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    mo = dict(compiled._catalog)  # the parsed .mo: {msgid: msgstr, (msgid, n): msgstr}
    header = mo.pop("", None)
    assert header is not None and "Plural-Forms: nplurals=2; plural=(n > 1);" in header

    expected: dict = {}
    for entry in messages:
        if entry.msgid_plural is not None:
            for index, text in entry.msgstr.items():
                expected[(entry.key, index)] = text
        else:
            expected[entry.key] = entry.msgstr[0]
    stale = sorted(str(key) for key in expected.keys() - mo.keys())
    extra = sorted(str(key) for key in mo.keys() - expected.keys())
    different = sorted(str(key) for key in expected.keys() & mo.keys() if mo[key] != expected[key])
    assert not (stale or extra or different), (
        "django.mo is out of date, run `manage.py compilemessages -l fr`: "
        f"missing {stale[:5]}, obsolete {extra[:5]}, changed {different[:5]}"
    )
    assert compiled.ngettext("%(counter)s project", "%(counter)s projects", 1) == "%(counter)s projet"
    assert compiled.ngettext("%(counter)s project", "%(counter)s projects", 2) == "%(counter)s projets"


GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy"}


def _gettext_in_fstrings(source: str) -> list[tuple[int, str]]:
    """(line, message) of each translation call inside an f-string: makemessages (xgettext) does not read
    into f-strings, so such a message never reaches the catalogue and shows in English."""
    return [
        (call.lineno, str(call.args[0].value))
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.JoinedStr)
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id in GETTEXT_NAMES
        and call.args
        and isinstance(call.args[0], ast.Constant)
    ]


def test_no_message_is_hidden_from_makemessages_inside_an_f_string():
    assert _gettext_in_fstrings("x = f\"{_('Today')}\"") == [(1, "Today")]  # the check can fail
    root = Path(settings.BASE_DIR)
    hidden = [
        f"{path.relative_to(root)}:{line}: {message!r}"
        for path in sorted(root.glob("*/**/*.py"))
        if not {".venv", "tests", "migrations", "node_modules"} & set(path.relative_to(root).parts)
        for line, message in _gettext_in_fstrings(path.read_text())
    ]
    assert not hidden, "translate outside the f-string (name = _('…')), or makemessages misses it: " + str(
        hidden
    )


def test_lazy_domain_labels_follow_the_active_language():
    with translation.override("fr"):
        assert str(ProjectStatus.IN_PROGRESS.label) == "En cours"
        assert str(ProjectStatus.ON_HOLD.label) == "Suspendu"
    with translation.override("en"):
        assert str(ProjectStatus.IN_PROGRESS.label) == "In progress"


# --- Pages served in French --------------------------------------------------------------------


def _visible_text(response) -> str:
    page = response.content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def english_only(messages) -> list[str]:
    """Project strings whose French differs and that are long enough not to be a name or a code."""
    return [
        entry.msgid
        for entry in messages
        if entry.msgid_plural is None
        and " " in entry.msgid.strip()
        and "%" not in entry.msgid
        and "{" not in entry.msgid
        and entry.msgstr[0] != entry.msgid
    ]


def _assert_no_english(response, english_only):
    text = " ".join(_visible_text(response).split())
    left = [msgid for msgid in english_only if " ".join(msgid.split()) in text]
    assert not left, f"English left on a French page {response.request['PATH_INFO']}: {left}"


@pytest.mark.django_db
def test_login_page_in_french_from_accept_language(client):
    cache.clear()
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr"' in page
    assert "Mot de passe" in page  # Django's own catalogue (the form's label)
    assert "Mot de passe oublié" in page  # ours
    assert "Connexion à Pilotis" in page
    assert "Sign in to Pilotis" not in page


@pytest.mark.django_db
def test_failed_sign_in_error_comes_from_djangos_french_catalogue(client):
    cache.clear()
    response = client.post(
        reverse("login"),
        {"username": "nobody", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    cache.clear()
    assert response.status_code == 200
    assert "mot de passe valides" in response.content.decode()


@pytest.mark.django_db
def test_english_stays_the_default(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Sign in to Pilotis" in page
    assert "Connexion à Pilotis" not in page


@pytest.fixture
def french_client(client, pmo_user, password):
    """A signed-in project-office user who chose French with the language switcher."""
    assert client.login(username=pmo_user.username, password=password)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    return client


@pytest.fixture
def running_project(directorate, manager_user):
    return ProjectFactory(
        code="RSA-2025",
        name="Dématérialisation du RSA",
        directorate=directorate,
        manager=manager_user,
        status=ProjectStatus.IN_PROGRESS,
        objectives=[ObjectiveFactory(name="Simplifier les démarches")],
    )


@pytest.mark.django_db
def test_project_page_shows_french_status_and_labels(french_client, running_project, english_only):
    response = french_client.get(reverse("portfolio:project_detail", args=[running_project.pk]))
    assert response.status_code == 200
    text = _visible_text(response)
    assert "En cours" in text
    assert "Direction porteuse" in text
    assert "Chef·fe de projet" in text and "Responsable de projet" not in text
    assert "In progress" not in text
    _assert_no_english(response, english_only)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "french"),
    [
        ("portfolio:dashboard", "Tableau de bord du portefeuille"),
        ("portfolio:project_list", "Filtrer les projets"),
        ("portfolio:project_create", "Nouveau projet"),
        ("profile", "Votre profil"),
        ("password_change", "Changer le mot de passe"),
    ],
)
def test_pages_are_in_french_after_switching(french_client, running_project, english_only, url_name, french):
    response = french_client.get(reverse(url_name))
    assert response.status_code == 200
    assert '<html lang="fr"' in response.content.decode()
    assert french in _visible_text(response)
    _assert_no_english(response, english_only)


@pytest.mark.django_db
def test_admin_and_dashboard_tile_in_french(client, admin_user_):
    client.force_login(admin_user_)
    client.cookies["django_language"] = "fr"
    assert "Administration de Pilotis" in client.get("/admin/").content.decode()
    assert ">Suspendus<" in client.get("/").content.decode().replace("\n", "").replace("  ", "")


def test_the_catalogue_never_renames_djangos_day_and_month_names():
    """Django formats dates with its own catalogue's day and month names ("l j F" → "lundi 1 septembre");
    a project message with the same plain msgid (a "Monday" choice label translated "Lundi") silently
    replaces them on every date of every French page. Each name as the served catalogue gives it is
    compared with Django's own catalogue."""
    import datetime

    import django
    from django.utils import dates, formats

    names = [
        (None, dates.WEEKDAYS),
        (None, dates.WEEKDAYS_ABBR),
        (None, dates.MONTHS),
        (None, dates.MONTHS_3),
        ("abbrev. month", dates.MONTHS_AP),
        ("alt. month", dates.MONTHS_ALT),
    ]
    django_locale = Path(django.__file__).parent / "conf" / "locale"
    django_own = gettext.translation("django", django_locale, languages=["fr"])
    with translation.override("en"):
        msgids = [(context, str(name)) for context, table in names for name in table.values()]
    with translation.override("fr"):
        served = [str(name) for _context, table in names for name in table.values()]
        day = formats.date_format(datetime.date(2025, 9, 1), "l j F")
    expected = [
        django_own.pgettext(context, msgid) if context else django_own.gettext(msgid)
        for context, msgid in msgids
    ]
    assert len(msgids) == 7 + 7 + 12 + 12 + 12 + 12
    assert served == expected
    assert day == "lundi 1 septembre"
