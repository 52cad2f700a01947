"""Demo data loaders. Each app registers its loader in ``AppConfig.ready()``; ``load_demo``
runs them in ``order`` (the registry first, then what builds on it). Core knows no app: a
loader is named by its dotted path and imported only when the demo is loaded."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string

Log = Callable[[str], None]


@dataclass(frozen=True)
class DemoLoader:
    order: int
    name: str
    path: str  # dotted path of a function that takes a ``Log``

    def load(self, log: Log) -> None:
        import_string(self.path)(log)


_loaders: dict[str, DemoLoader] = {}


def register_demo_loader(*, order: int, name: str, path: str) -> None:
    _loaders[name] = DemoLoader(order=order, name=name, path=path)


def demo_loaders() -> list[DemoLoader]:
    return sorted(_loaders.values(), key=lambda loader: loader.order)
