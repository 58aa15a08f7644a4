"""The demo's server process: `tipline serve`, except that routing places the stream's
documentation-range addresses in countries with `agencies.IP_COUNTRIES`.

No registry places those ranges anywhere, so without the table every demo case would be routed
by its reporter's seat only, with no IP deadline. The table is injected the way the routing
tests inject theirs (a `RoutingConfig` whose lookup is a `geo.TableLookup`, falling back to the
real offline lookup), by swapping the routing stage's configuration in this process only.

Run as `python -m tipline.demo.serve --host 127.0.0.1 --port 8000` (settings from TIPLINE_*).
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from functools import partial

import uvicorn

from tipline.app import create_app
from tipline.demo.agencies import IP_COUNTRIES
from tipline.routing import geo
from tipline.routing import stages as routing
from tipline.routing.service import config_from
from tipline.settings import Settings
from tipline.state import AppState, build_state


def place_demo_addresses(state: AppState) -> None:
    config = replace(config_from(state.settings),
                     lookup=geo.TableLookup(IP_COUNTRIES, fallback=geo.IptoccLookup()))
    stage = state.runner.stages["routing"]
    state.runner.stages["routing"] = replace(
        stage, prepare=partial(routing.resolve, state.db, config),
        apply=partial(routing.route, config))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=logging.INFO)
    state = build_state(settings)
    place_demo_addresses(state)
    uvicorn.run(create_app(settings, state), host=args.host, port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
