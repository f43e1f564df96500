"""``deploy/env.example`` and the README's settings table, written from the settings classes.

Every field of every settings class is one environment variable: its ``validation_alias`` when it
has one (the first of ``AliasChoices``; the others are read too), else the class's ``env_prefix``
and the field's name. A variable read by several classes (``KAOHE_SERVICE_SECRET`` by every
service) is written once, in the first section that reads it. ``kaohe settings --write`` rewrites
both files; a test fails while either differs from what this module makes.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import get_args

from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from gateway.config import GatewaySettings
from kaohe.config import StackSettings
from quota.config import QuotaSettings
from records.config import RecordsSettings
from scoring.config import ScoringSettings
from shared.settings import BaseServiceSettings

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
README = ROOT / "README.md"
TABLE_START = "<!-- settings:start (kaohe settings --write) -->"
TABLE_END = "<!-- settings:end -->"
REQUIRED = "required"

#: (section title, who reads it, the class): every settings class of the product.
SECTIONS: tuple[tuple[str, str, type[BaseSettings]], ...] = (
    ("Every service", "records, scoring, quota, gateway", BaseServiceSettings),
    ("records", "records", RecordsSettings),
    ("scoring", "scoring", ScoringSettings),
    ("quota", "quota", QuotaSettings),
    ("gateway", "gateway", GatewaySettings),
    ("kaohe run (the local stack)", "kaohe run", StackSettings),
)

#: Read by the compose file and the database's init script, not by a settings class.
COMPOSE_HEADER = """\
# Every setting of kaohe, written by `kaohe settings --write` from the settings classes: do not edit
# by hand. Copy to .env beside docker-compose.yml, fill in every uncommented value, and never commit
# the copy. A commented line shows the default.

# The compose file's PostgreSQL: the superuser's password and each service role's.
POSTGRES_PASSWORD=
RECORDS_DB_PASSWORD=
SCORING_DB_PASSWORD=
QUOTA_DB_PASSWORD=
GATEWAY_DB_PASSWORD=
"""


#: Written by the compose file from the passwords above.
COMPOSE_BUILT = frozenset(f"{service}_DATABASE_URL" for service in ("RECORDS", "SCORING", "QUOTA", "GATEWAY"))


@dataclass(frozen=True)
class Setting:
    name: str
    also: tuple[str, ...]  # other names read for it, in order
    default: str  # as written in an env file; REQUIRED when there is none
    description: str
    readers: tuple[str, ...]
    secret: bool = False

    @property
    def required(self) -> bool:
        return self.default == REQUIRED


def env_names(cls: type[BaseSettings], field_name: str, field: FieldInfo) -> tuple[str, ...]:
    alias = field.validation_alias
    if isinstance(alias, str):
        return (alias,)
    if isinstance(alias, AliasChoices):
        return tuple(str(choice) for choice in alias.choices)
    return (f"{cls.model_config.get('env_prefix', '')}{field_name}".upper(),)


def env_value(value: object) -> str:
    """A default as an env file writes it."""
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value)
    if isinstance(value, Path) and value.is_absolute() and value.is_relative_to(ROOT):
        return str(value.relative_to(ROOT))  # a file of the checkout, wherever it is
    return str(value)


def default_of(field: FieldInfo) -> str:
    return REQUIRED if field.is_required() else env_value(field.get_default(call_default_factory=True))


def collect() -> list[tuple[str, list[Setting]]]:
    """The settings of each section, each variable once (where it is first read), with every reader."""
    readers: dict[str, list[str]] = {}
    for _title, reader, cls in SECTIONS:
        for field_name, field in cls.model_fields.items():
            readers.setdefault(env_names(cls, field_name, field)[0], []).extend(reader.split(", "))
    seen: set[str] = set()
    sections = []
    for title, _reader, cls in SECTIONS:
        settings = []
        for field_name, field in cls.model_fields.items():
            name, *also = env_names(cls, field_name, field)
            if name in seen:
                continue
            seen.add(name)
            if not field.description:
                raise ValueError(f"{cls.__name__}.{field_name} ({name}) has no description: "
                                 "give it Field(description=...)")
            secret = SecretStr in (field.annotation, *get_args(field.annotation))
            settings.append(Setting(name, tuple(also), default_of(field), " ".join(field.description.split()),
                                    tuple(dict.fromkeys(readers[name])), secret=secret and cls is not StackSettings))
        sections.append((title, settings))
    return sections


def _sentence(setting: Setting) -> str:
    text = setting.description
    if setting.also:
        text += f" (also read as {', '.join(setting.also)})"
    return text + "."


def env_example() -> str:
    out = [COMPOSE_HEADER]
    for title, settings in collect():
        out.append(f"\n# ---- {title} ----\n")
        for setting in settings:
            out.extend(textwrap.wrap(_sentence(setting), 98, initial_indent="# ", subsequent_indent="# ",
                                     break_on_hyphens=False))
            if setting.name in COMPOSE_BUILT:
                out.append(f"# {setting.name}=  (docker-compose.yml makes it from the password above)")
            elif setting.required or setting.secret:
                out.append(f"{setting.name}=")  # to fill in; a secret's default is never written
            else:
                out.append(f"# {setting.name}={setting.default}")
    return "\n".join(line.rstrip() for line in out).strip("\n") + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_table() -> str:
    rows = ["| Variable | Default | Read by | What it sets |", "| --- | --- | --- | --- |"]
    for _title, settings in collect():
        for setting in settings:
            default = f"`{_cell(setting.default)}`" if setting.default else "(unset)"
            rows.append(f"| `{setting.name}` | {'**required**' if setting.required else default} | "
                        f"{', '.join(setting.readers)} | {_cell(_sentence(setting))} |")
    return "\n".join(rows) + "\n"


def readme_with_table(readme: str) -> str:
    start, end = readme.find(TABLE_START), readme.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"README.md needs the lines {TABLE_START} and {TABLE_END} around the settings table")
    return readme[:start] + TABLE_START + "\n" + readme_table() + readme[end:]


def expected() -> dict[Path, str]:
    """What each generated file should hold."""
    return {ENV_EXAMPLE: env_example(), README: readme_with_table(README.read_text(encoding="utf-8"))}


def stale() -> list[Path]:
    return [path for path, text in expected().items() if path.read_text(encoding="utf-8") != text]


def write() -> list[Path]:
    """Rewrite the files that differ; returns them."""
    changed = stale()
    for path, text in expected().items():
        if path in changed:
            path.write_text(text, encoding="utf-8")
    return changed
