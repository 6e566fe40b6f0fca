"""Help on `?`: what each key does, on every screen."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# shopsync console

| key | anywhere |
| --- | --- |
| `o` `j` `l` `t` | overview, jobs, logs, tie-out (`d`: tie out a day now) |
| `?` | this help |
| `ctrl+p` | command palette |
| `q` | quit |

| key | jobs screen |
| --- | --- |
| `/` | search key, order name, SKU |
| `s` | cycle the state filter |
| `enter` | open the job |
| `r` / `c` | retry / cancel the job |
| `R` | retry every job matching the filter |
| `n` / `p` | next / previous page |

On a job: `r` retry, `c` cancel, `escape` back.
Every action asks first and says what it did.
The console reconnects by itself when the daemon restarts.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
