"""Generate the built-in SalesSim catalog (``src/salessim/data/catalog/*.yaml``).

A throwaway, deterministic generator: the product lines below are invented for this project and the
descriptions are assembled from the attributes with varied sentence templates (seeded by product id),
so running it twice gives byte-identical files. Descriptions never mention colour: colour is a
visual-only attribute that a shopper can learn only from the product picture.

Run from the repository root::

    .venv/bin/python scripts/make_catalog.py
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "src" / "salessim" / "data" / "catalog"

LAPTOP_ATTRS = ["price", "brand", "line", "ram_gb", "storage_gb", "screen_in", "os", "cpu_class", "gpu",
                "weight_kg", "battery_hours", "touchscreen", "form_factor", "color"]
HEADPHONE_ATTRS = ["price", "brand", "line", "style", "wireless", "noise_cancelling", "battery_hours",
                   "weight_g", "water_resistant", "microphone", "color"]
PHONE_ATTRS = ["price", "brand", "line", "os", "storage_gb", "ram_gb", "screen_in", "battery_mah",
               "camera_mp", "has_5g", "headphone_jack", "weight_g", "color"]


def storage_text(gb: int) -> str:
    """``512 GB`` or ``2 TB``."""
    return f"{gb // 1024} TB" if gb >= 1024 else f"{gb} GB"


def pick(rng: random.Random, options: list[str]) -> str:
    """One of ``options``, chosen by ``rng``."""
    return options[rng.randrange(len(options))]


def inch(x: float) -> str:
    """``16`` for 16.0, ``13.6`` for 13.6."""
    return f"{x:g}"


def a_an(word: str) -> str:
    """The indefinite article for ``word`` ("an 11-inch", "a 14-inch", "an entry-level")."""
    w = word.lower()
    vowel = w[:1] in "aeiou" or w.startswith(("8", "11", "18")) and not w.startswith(("80", "110", "180"))
    return f"an {word}" if vowel else f"a {word}"


def least_used(colors: list[str], used: dict[str, int], exclude: tuple[str, ...] = ()) -> str:
    """The allowed colour used least so far (first in list order on ties): keeps colours balanced."""
    candidates = [c for c in colors if c not in exclude] or colors
    best = min(used.get(c, 0) for c in candidates)
    choice = next(c for c in candidates if used.get(c, 0) == best)
    used[choice] = used.get(choice, 0) + 1
    return choice


# --------------------------------------------------------------------------------------------------
# Laptops
# --------------------------------------------------------------------------------------------------

CPU_COST = {"entry": 60, "mainstream": 250, "performance": 550, "workstation": 1000}
GPU_COST = {"integrated": 0, "entry_discrete": 200, "midrange_discrete": 500, "high_end_discrete": 1100}
RAM_COST = {4: 0, 8: 40, 16: 120, 24: 200, 32: 280, 36: 320, 48: 450, 64: 600, 96: 900, 128: 1200}
STORAGE_COST = {64: 0, 128: 20, 256: 50, 512: 100, 1024: 180, 2048: 350, 4096: 700, 8192: 1400}
FORM_COST = {"clamshell": 0, "2-in-1": 80, "detachable": 120}


def laptop_price(cpu, gpu, ram, storage, *, touch, form, weight, os, screen, premium) -> int:
    """A list price that tracks the specs, rounded to the usual ...49 / ...99 endings."""
    raw = 120 + CPU_COST[cpu] + GPU_COST[gpu] + RAM_COST[ram] + STORAGE_COST[storage] + FORM_COST[form]
    raw += 50 if touch else 0
    raw += 120 if weight < 1.3 and os != "ChromeOS" else 0
    raw += -60 if os == "ChromeOS" else 0
    raw += 60 if screen >= 17 else 0
    raw += premium
    return max(169, int(round(raw / 50.0)) * 50 - 1)


# Each model: brand, line, model label, screen, form factor, OS, weight, battery, touchscreen, line
# premium, colours, configurations (cpu, gpu, ram, storage) and colour twins (config index, colour).
LAPTOP_MODELS = [
    # Apple
    dict(brand="Apple", line="Aerobook", label="13", screen=13.6, form="clamshell", os="macOS", weight=1.24,
         battery=18, touch=False, premium=320, colors=["silver", "space gray", "rose gold", "blue"],
         configs=[("mainstream", "integrated", 8, 256), ("mainstream", "integrated", 16, 512),
                  ("mainstream", "integrated", 24, 1024)], twins=[(0, "rose gold"), (1, "space gray")]),
    dict(brand="Apple", line="Aerobook", label="15", screen=15.3, form="clamshell", os="macOS", weight=1.51,
         battery=17, touch=False, premium=600, colors=["space gray", "silver", "blue"],
         configs=[("mainstream", "integrated", 16, 512), ("performance", "integrated", 24, 1024)],
         twins=[(0, "blue")]),
    dict(brand="Apple", line="Studiobook Pro", label="14", screen=14.2, form="clamshell", os="macOS",
         weight=1.6, battery=17, touch=False, premium=700, colors=["space gray", "silver"],
         configs=[("performance", "integrated", 16, 512), ("performance", "integrated", 32, 1024),
                  ("workstation", "integrated", 48, 2048)], twins=[(1, "silver")]),
    dict(brand="Apple", line="Studiobook Pro", label="16", screen=16.2, form="clamshell", os="macOS",
         weight=2.15, battery=21, touch=False, premium=1000, colors=["space gray", "silver"],
         configs=[("performance", "integrated", 32, 1024), ("workstation", "integrated", 64, 2048),
                  ("workstation", "integrated", 128, 8192)], twins=[]),
    # Dell
    dict(brand="Dell", line="Vantis", label="15", screen=15.6, form="clamshell", os="Windows", weight=1.72,
         battery=8, touch=False, premium=50, colors=["black", "silver", "blue"],
         configs=[("entry", "integrated", 8, 256), ("mainstream", "integrated", 16, 512),
                  ("mainstream", "integrated", 32, 512), ("mainstream", "integrated", 16, 1024)],
         twins=[(1, "silver")]),
    dict(brand="Dell", line="Vantis Flex", label="14", screen=14.0, form="2-in-1", os="Windows", weight=1.55,
         battery=10, touch=True, premium=0, colors=["silver", "blue"],
         configs=[("mainstream", "integrated", 8, 512), ("mainstream", "integrated", 16, 512)], twins=[]),
    dict(brand="Dell", line="Meridian", label="13", screen=13.4, form="clamshell", os="Windows", weight=1.17,
         battery=14, touch=False, premium=200, colors=["silver", "white", "black"],
         configs=[("performance", "integrated", 16, 512), ("performance", "integrated", 32, 1024)],
         twins=[(0, "white")]),
    dict(brand="Dell", line="Meridian Developer", label="13", screen=13.4, form="clamshell", os="Linux",
         weight=1.17, battery=14, touch=False, premium=150, colors=["silver"],
         configs=[("performance", "integrated", 16, 512), ("performance", "integrated", 32, 1024)], twins=[]),
    dict(brand="Dell", line="Corvex", label="16", screen=16.0, form="clamshell", os="Windows", weight=2.6,
         battery=6, touch=False, premium=50, colors=["black", "white"],
         configs=[("performance", "midrange_discrete", 16, 1024), ("performance", "high_end_discrete", 32, 1024)],
         twins=[(0, "white")]),
    dict(brand="Dell", line="Atlas", label="17", screen=17.3, form="clamshell", os="Windows", weight=3.05,
         battery=7, touch=False, premium=150, colors=["space gray", "black"],
         configs=[("workstation", "midrange_discrete", 32, 1024), ("workstation", "high_end_discrete", 64, 2048)],
         twins=[]),
    dict(brand="Dell", line="Keystone Chromebook", label="11", screen=11.6, form="clamshell", os="ChromeOS",
         weight=1.3, battery=11, touch=False, premium=0, colors=["black", "blue"],
         configs=[("entry", "integrated", 4, 64)], twins=[(0, "blue")]),
    dict(brand="Dell", line="Keystone Chromebook Flip", label="11", screen=11.6, form="2-in-1", os="ChromeOS",
         weight=1.36, battery=10, touch=True, premium=0, colors=["black"],
         configs=[("entry", "integrated", 8, 64)], twins=[]),
    # HP
    dict(brand="HP", line="Solace", label="14", screen=14.0, form="clamshell", os="Windows", weight=1.46,
         battery=9, touch=False, premium=0, colors=["silver", "blue", "white"],
         configs=[("entry", "integrated", 4, 128), ("entry", "integrated", 8, 256), ("mainstream", "integrated", 16, 512)],
         twins=[(1, "rose gold")]),
    dict(brand="HP", line="Solace", label="17", screen=17.3, form="clamshell", os="Windows", weight=2.35,
         battery=8, touch=False, premium=0, colors=["silver", "black"],
         configs=[("mainstream", "integrated", 8, 512), ("mainstream", "integrated", 16, 512),
                  ("mainstream", "integrated", 16, 1024)], twins=[]),
    dict(brand="HP", line="Halcyon x360", label="14", screen=14.0, form="2-in-1", os="Windows", weight=1.39,
         battery=13, touch=True, premium=150, colors=["blue", "black", "silver"],
         configs=[("performance", "integrated", 16, 512), ("performance", "integrated", 32, 1024)],
         twins=[(0, "black")]),
    dict(brand="HP", line="Halcyon x360", label="16", screen=16.0, form="2-in-1", os="Windows", weight=1.95,
         battery=12, touch=True, premium=150, colors=["black"],
         configs=[("performance", "entry_discrete", 16, 1024)], twins=[]),
    dict(brand="HP", line="Striker", label="15", screen=15.6, form="clamshell", os="Windows", weight=2.35,
         battery=6, touch=False, premium=0, colors=["black", "white", "red"],
         configs=[("mainstream", "entry_discrete", 8, 512), ("performance", "midrange_discrete", 16, 1024)],
         twins=[(0, "red"), (1, "white")]),
    dict(brand="HP", line="Brightpath Chromebook", label="14", screen=14.0, form="clamshell", os="ChromeOS",
         weight=1.45, battery=12, touch=False, premium=0, colors=["silver", "white"],
         configs=[("entry", "integrated", 4, 64), ("entry", "integrated", 8, 128)], twins=[(1, "white")]),
    dict(brand="HP", line="Brightpath Chromebook x360", label="14", screen=14.0, form="2-in-1", os="ChromeOS",
         weight=1.55, battery=11, touch=True, premium=0, colors=["silver"],
         configs=[("mainstream", "integrated", 8, 128)], twins=[]),
    # Lenovo
    dict(brand="Lenovo", line="Terra", label="14", screen=14.0, form="clamshell", os="Windows", weight=1.12,
         battery=15, touch=False, premium=350, colors=["black"],
         configs=[("mainstream", "integrated", 16, 512), ("performance", "integrated", 32, 1024),
                  ("performance", "integrated", 64, 2048)], twins=[]),
    dict(brand="Lenovo", line="Terra", label="14 Linux", screen=14.0, form="clamshell", os="Linux", weight=1.12,
         battery=15, touch=False, premium=300, colors=["black"],
         configs=[("mainstream", "integrated", 16, 512), ("performance", "integrated", 32, 1024)], twins=[]),
    dict(brand="Lenovo", line="Terra", label="16", screen=16.0, form="clamshell", os="Windows", weight=1.8,
         battery=12, touch=False, premium=150, colors=["black"],
         configs=[("performance", "entry_discrete", 32, 1024)], twins=[]),
    dict(brand="Lenovo", line="Pivot", label="14", screen=14.0, form="2-in-1", os="Windows", weight=1.5,
         battery=12, touch=True, premium=0, colors=["space gray", "blue", "green"],
         configs=[("entry", "integrated", 8, 256), ("mainstream", "integrated", 16, 512)],
         twins=[(0, "green"), (1, "blue")]),
    dict(brand="Lenovo", line="Pivot", label="16", screen=16.0, form="2-in-1", os="Windows", weight=1.95,
         battery=11, touch=True, premium=0, colors=["space gray"],
         configs=[("mainstream", "integrated", 16, 1024)], twins=[]),
    dict(brand="Lenovo", line="Everyday", label="15", screen=15.6, form="clamshell", os="Windows", weight=1.65,
         battery=7, touch=False, premium=0, colors=["black", "blue", "silver"],
         configs=[("entry", "integrated", 4, 128), ("entry", "integrated", 8, 256)], twins=[(0, "silver")]),
    dict(brand="Lenovo", line="Fortis", label="16", screen=16.0, form="clamshell", os="Windows", weight=2.5,
         battery=6, touch=False, premium=0, colors=["black", "white"],
         configs=[("performance", "midrange_discrete", 16, 1024), ("performance", "high_end_discrete", 32, 2048)],
         twins=[]),
    dict(brand="Lenovo", line="Fortis", label="17", screen=17.3, form="clamshell", os="Windows", weight=3.1,
         battery=5, touch=False, premium=0, colors=["black"],
         configs=[("workstation", "high_end_discrete", 32, 1024)], twins=[]),
    dict(brand="Lenovo", line="Tabbook Chromebook", label="11", screen=11.0, form="detachable", os="ChromeOS",
         weight=0.92, battery=12, touch=True, premium=0, colors=["blue", "space gray"],
         configs=[("entry", "integrated", 4, 128), ("entry", "integrated", 8, 128)], twins=[(0, "space gray")]),
    # Asus
    dict(brand="Asus", line="Kestrel", label="13", screen=13.3, form="clamshell", os="Windows", weight=0.98,
         battery=13, touch=False, premium=100, colors=["white", "blue", "black"],
         configs=[("mainstream", "integrated", 16, 512), ("mainstream", "integrated", 16, 1024)],
         twins=[(0, "blue")]),
    dict(brand="Asus", line="Kestrel", label="14 Touch", screen=14.0, form="clamshell", os="Windows",
         weight=1.18, battery=12, touch=True, premium=100, colors=["black", "green"],
         configs=[("performance", "integrated", 16, 512), ("performance", "integrated", 32, 1024)], twins=[]),
    dict(brand="Asus", line="Brisk", label="14", screen=14.0, form="clamshell", os="Windows", weight=1.4,
         battery=8, touch=False, premium=0, colors=["silver", "blue", "rose gold"],
         configs=[("entry", "integrated", 4, 128), ("entry", "integrated", 8, 128)], twins=[(1, "rose gold")]),
    dict(brand="Asus", line="Swivel", label="14", screen=14.0, form="2-in-1", os="Windows", weight=1.5,
         battery=10, touch=True, premium=0, colors=["blue", "silver"],
         configs=[("mainstream", "integrated", 8, 512), ("mainstream", "integrated", 16, 512)], twins=[]),
    dict(brand="Asus", line="Valkor", label="15", screen=15.6, form="clamshell", os="Windows", weight=2.2,
         battery=7, touch=False, premium=0, colors=["black", "red"],
         configs=[("mainstream", "entry_discrete", 8, 512), ("performance", "midrange_discrete", 16, 512)],
         twins=[(1, "red")]),
    dict(brand="Asus", line="Valkor", label="16", screen=16.0, form="clamshell", os="Windows", weight=2.4,
         battery=7, touch=False, premium=50, colors=["black", "white"],
         configs=[("performance", "high_end_discrete", 32, 1024)], twins=[(0, "white")]),
    dict(brand="Asus", line="Valkor", label="18", screen=18.0, form="clamshell", os="Windows", weight=3.0,
         battery=5, touch=False, premium=100, colors=["black"],
         configs=[("workstation", "high_end_discrete", 64, 2048)], twins=[]),
    dict(brand="Asus", line="Vista Chromebook", label="15", screen=15.6, form="clamshell", os="ChromeOS",
         weight=1.7, battery=10, touch=False, premium=50, colors=["silver", "white"],
         configs=[("entry", "integrated", 8, 128)], twins=[]),
    # Acer
    dict(brand="Acer", line="Lumen", label="15", screen=15.6, form="clamshell", os="Windows", weight=1.78,
         battery=8, touch=False, premium=-20, colors=["silver", "black"],
         configs=[("entry", "integrated", 4, 128), ("entry", "integrated", 8, 256), ("mainstream", "integrated", 16, 512)],
         twins=[]),
    dict(brand="Acer", line="Lumen", label="17", screen=17.3, form="clamshell", os="Windows", weight=2.45,
         battery=7, touch=False, premium=-20, colors=["silver"],
         configs=[("mainstream", "integrated", 16, 512)], twins=[]),
    dict(brand="Acer", line="Ravager", label="15", screen=15.6, form="clamshell", os="Windows", weight=2.3,
         battery=6, touch=False, premium=-30, colors=["black", "red"],
         configs=[("mainstream", "entry_discrete", 8, 512), ("performance", "midrange_discrete", 16, 512)],
         twins=[(0, "red")]),
    dict(brand="Acer", line="Ravager", label="17", screen=17.3, form="clamshell", os="Windows", weight=2.9,
         battery=5, touch=False, premium=-30, colors=["black"],
         configs=[("performance", "midrange_discrete", 16, 1024)], twins=[]),
    dict(brand="Acer", line="Pathway Chromebook", label="11", screen=11.6, form="clamshell", os="ChromeOS",
         weight=1.2, battery=10, touch=False, premium=-20, colors=["silver", "blue"],
         configs=[("entry", "integrated", 4, 64)], twins=[(0, "blue")]),
    dict(brand="Acer", line="Pathway Chromebook Spin", label="11", screen=11.6, form="2-in-1", os="ChromeOS",
         weight=1.28, battery=10, touch=True, premium=-20, colors=["silver"],
         configs=[("entry", "integrated", 4, 64)], twins=[]),
    dict(brand="Acer", line="Pathway Chromebook", label="14", screen=14.0, form="clamshell", os="ChromeOS",
         weight=1.5, battery=11, touch=False, premium=0, colors=["silver", "white"],
         configs=[("entry", "integrated", 8, 128)], twins=[]),
    dict(brand="Acer", line="Vellum", label="14", screen=14.0, form="clamshell", os="Windows", weight=0.99,
         battery=12, touch=False, premium=0, colors=["blue", "silver"],
         configs=[("mainstream", "integrated", 16, 512)], twins=[(0, "silver")]),
    # Microsoft
    dict(brand="Microsoft", line="Canvas Tab", label="13", screen=13.0, form="detachable", os="Windows",
         weight=0.89, battery=14, touch=True, premium=250, colors=["silver", "black", "blue", "green"],
         configs=[("mainstream", "integrated", 8, 256), ("mainstream", "integrated", 16, 512),
                  ("performance", "integrated", 32, 1024)], twins=[(1, "green"), (1, "blue")]),
    dict(brand="Microsoft", line="Folio", label="13.8", screen=13.8, form="clamshell", os="Windows", weight=1.34,
         battery=16, touch=True, premium=300, colors=["silver", "black", "blue"],
         configs=[("mainstream", "integrated", 16, 512)], twins=[(0, "black")]),
    dict(brand="Microsoft", line="Folio", label="15", screen=15.0, form="clamshell", os="Windows", weight=1.66,
         battery=17, touch=True, premium=300, colors=["silver"],
         configs=[("performance", "integrated", 16, 512), ("performance", "integrated", 32, 1024)], twins=[]),
    # Razer
    dict(brand="Razer", line="Talon", label="14", screen=14.0, form="clamshell", os="Windows", weight=1.8,
         battery=8, touch=False, premium=400, colors=["black", "green"],
         configs=[("performance", "midrange_discrete", 16, 1024)], twins=[(0, "green")]),
    dict(brand="Razer", line="Talon", label="16", screen=16.0, form="clamshell", os="Windows", weight=2.4,
         battery=6, touch=False, premium=450, colors=["black"],
         configs=[("performance", "high_end_discrete", 32, 1024)], twins=[]),
    dict(brand="Razer", line="Talon", label="18", screen=18.0, form="clamshell", os="Windows", weight=3.2,
         battery=5, touch=False, premium=500, colors=["black"],
         configs=[("workstation", "high_end_discrete", 64, 4096)], twins=[]),
    # Framework
    dict(brand="Framework", line="Modular", label="13", screen=13.5, form="clamshell", os="Linux", weight=1.3,
         battery=10, touch=False, premium=350, colors=["silver"],
         configs=[("mainstream", "integrated", 16, 512), ("performance", "integrated", 32, 1024),
                  ("performance", "integrated", 64, 2048)], twins=[]),
    dict(brand="Framework", line="Modular", label="13 Windows", screen=13.5, form="clamshell", os="Windows",
         weight=1.3, battery=10, touch=False, premium=400, colors=["silver"],
         configs=[("mainstream", "integrated", 16, 512)], twins=[]),
    dict(brand="Framework", line="Modular", label="16", screen=16.0, form="clamshell", os="Linux", weight=2.1,
         battery=9, touch=False, premium=250, colors=["silver", "black"],
         configs=[("performance", "midrange_discrete", 32, 1024)], twins=[(0, "black")]),
    # Samsung
    dict(brand="Samsung", line="Orbit", label="14", screen=14.0, form="clamshell", os="Windows", weight=1.16,
         battery=15, touch=False, premium=100, colors=["space gray", "silver"],
         configs=[("mainstream", "integrated", 16, 512), ("performance", "integrated", 16, 1024)],
         twins=[(0, "silver")]),
    dict(brand="Samsung", line="Orbit Flip", label="15", screen=15.6, form="2-in-1", os="Windows", weight=1.45,
         battery=14, touch=True, premium=100, colors=["space gray", "silver", "blue"],
         configs=[("performance", "integrated", 16, 512)], twins=[(0, "blue")]),
    dict(brand="Samsung", line="Orbit Chromebook", label="13", screen=13.3, form="2-in-1", os="ChromeOS",
         weight=1.04, battery=10, touch=True, premium=0, colors=["red", "silver"],
         configs=[("mainstream", "integrated", 8, 128)], twins=[(0, "silver")]),
    dict(brand="Samsung", line="Orbit Tab", label="12", screen=12.4, form="detachable", os="Windows",
         weight=0.82, battery=13, touch=True, premium=0, colors=["space gray", "silver"],
         configs=[("mainstream", "integrated", 8, 256)], twins=[]),
]

CPU_WORDS = {
    "entry": ["an entry-level", "a basic", "an efficient entry-class"],
    "mainstream": ["a mainstream", "a capable everyday", "a modern mid-range"],
    "performance": ["a high-performance", "a fast performance-class", "a powerful"],
    "workstation": ["a workstation-class", "a top-tier workstation", "a many-core workstation"],
}
GPU_WORDS = {
    "integrated": "integrated graphics",
    "entry_discrete": "an entry-level dedicated graphics card",
    "midrange_discrete": "a mid-range dedicated graphics card",
    "high_end_discrete": "a high-end dedicated graphics card",
}
FORM_WORDS = {
    "clamshell": ["laptop", "notebook", "clamshell laptop"],
    "2-in-1": ["2-in-1 convertible", "convertible 2-in-1 laptop", "fold-back 2-in-1"],
    "detachable": ["detachable tablet-laptop", "detachable 2-in-1 with a keyboard cover",
                   "tablet with a detachable keyboard"],
}


def laptop_profiles(a: dict) -> list[str]:
    """Which use-case paragraphs fit these specs, most distinctive first."""
    profiles = []
    if a["gpu"] in ("midrange_discrete", "high_end_discrete"):
        profiles.append("gaming")
    if a["cpu_class"] == "workstation" or (a["ram_gb"] >= 32 and a["cpu_class"] == "performance"):
        profiles.append("creative")
    if a["form_factor"] == "2-in-1":
        profiles.append("convertible")
    if a["form_factor"] == "detachable":
        profiles.append("detachable")
    if a["weight_kg"] < 1.3:
        profiles.append("travel")
    if a["os"] == "Linux":
        profiles.append("developer")
    if a["screen_in"] >= 17:
        profiles.append("big_screen")
    if a["price"] < 500:
        profiles.append("budget")
    if a["gpu"] == "entry_discrete":
        profiles.append("light_gaming")
    if not profiles:
        profiles.append("everyday")
    return profiles


LAPTOP_USE = {
    "gaming": [
        "It is built for playing recent games at high settings and handles video editing or 3D work just as well.",
        "Gamers get smooth frame rates in demanding titles, and the cooling is tuned for long sessions.",
        "Pick it for serious gaming, streaming your play, or rendering scenes in 3D software.",
    ],
    "light_gaming": [
        "The dedicated graphics chip is enough for popular online games and light photo or video editing.",
        "It can run esports titles and older games comfortably, which makes it a good first gaming machine.",
    ],
    "creative": [
        "Video editors, photographers and developers who compile large projects will appreciate the headroom.",
        "There is plenty of power for 4K video timelines, large photo libraries and heavy multitasking.",
        "It suits professionals who run big spreadsheets, virtual machines or music production sessions.",
    ],
    "convertible": [
        "Fold it into tablet mode to take handwritten notes, sketch, or watch shows on a plane tray.",
        "The touch screen and tablet mode make it handy for students who annotate slides and sign documents.",
        "Use it as a laptop for typing and as a tablet for reading, drawing or video calls from the sofa.",
    ],
    "detachable": [
        "Pull the keyboard off and it becomes a tablet for reading, sketching with a pen or watching shows in bed.",
        "It works as a proper laptop at the desk and as a light tablet for notes and drawing once the keyboard "
        "comes off.",
    ],
    "travel": [
        "At only {weight} kg it disappears into a backpack, which frequent travellers and commuters will love.",
        "Its light {weight} kg body is made for working from trains, cafes and airport lounges.",
        "It is easy to carry around campus or between meetings all day.",
    ],
    "developer": [
        "It ships with Linux preinstalled, so programmers and tinkerers can start coding without setup.",
        "Developers get a ready-to-use Linux system with well-supported drivers out of the box.",
    ],
    "big_screen": [
        "The large {screen}-inch panel is comfortable for spreadsheets side by side and family movie nights.",
        "A roomy {screen}-inch display and full-size keyboard with number pad make it a good desk replacement.",
    ],
    "budget": [
        "It covers web browsing, email, homework and streaming without stretching the budget.",
        "A sensible choice for students, kids or a spare household computer for everyday tasks.",
        "It handles school assignments, online classes and video streaming at a friendly price.",
    ],
    "everyday": [
        "It is a dependable all-rounder for office documents, video calls, browsing and streaming.",
        "Expect snappy performance in everyday work, from email and spreadsheets to light photo edits.",
        "It suits home offices and students who want a reliable machine that simply gets things done.",
    ],
}


def laptop_description(pid: str, name: str, a: dict) -> str:
    """Two or three sentences about a laptop: what it is, who it is for, one more practical detail."""
    rng = random.Random(pid)
    form = pick(rng, FORM_WORDS[a["form_factor"]])
    cpu = pick(rng, CPU_WORDS[a["cpu_class"]])
    storage = storage_text(a["storage_gb"])
    size = f"{inch(a['screen_in'])}-inch"
    profiles = laptop_profiles(a)
    openers = [
        f"The {name} is {a_an(size)} {form} with {cpu} processor, {a['ram_gb']} GB of memory "
        f"and a {storage} SSD.",
        f"This {form} pairs {cpu} processor with {a['ram_gb']} GB of RAM, {storage} of storage and "
        f"{GPU_WORDS[a['gpu']]}.",
        f"With {a_an(size)} screen, {a['ram_gb']} GB of RAM and {storage} of fast storage, the "
        f"{name} is {a_an(form)} running {a['os']}.",
    ]
    if profiles[0] != "travel":
        openers.append(f"{name}: {a_an(form)} weighing {a['weight_kg']} kg, powered by {cpu} chip and "
                       f"{a['ram_gb']} GB of memory.")
    first = pick(rng, openers)
    fmt = dict(weight=a["weight_kg"], screen=inch(a["screen_in"]))
    use = pick(rng, LAPTOP_USE[profiles[0]]).format(**fmt)
    extras = [
        f"Battery life is rated at about {a['battery_hours']} hours of typical use.",
        f"Expect roughly {a['battery_hours']} hours away from the charger.",
        f"It runs {a['os']} and lasts around {a['battery_hours']} hours on a charge.",
    ]
    if a["touchscreen"] and a["form_factor"] == "clamshell":
        extras.append("The display is touch-sensitive, handy for scrolling and quick taps.")
    if a["gpu"] != "integrated" and "graphics" not in first:
        extras.append(f"Graphics come from {GPU_WORDS[a['gpu']]}.")
    if len(profiles) > 1:
        extras.append(pick(rng, LAPTOP_USE[profiles[1]]).format(**fmt))
    parts = [first, use]
    if rng.random() < 0.8:
        parts.append(pick(rng, extras))
    return " ".join(parts)


def make_laptops() -> list[dict]:
    """Every laptop: one product per model configuration plus the colour twins."""
    products = []
    n = 0
    for model in LAPTOP_MODELS:
        multi = len(model["configs"]) > 1
        rows = []
        for i, (cpu, gpu, ram, storage) in enumerate(model["configs"]):
            rows.append((i, model["colors"][i % len(model["colors"])]))
        for i, color in model["twins"]:
            base = model["colors"][i % len(model["colors"])]
            if color == base:  # a twin must differ from its base product in colour
                color = next(c for c in model["colors"] + ["black", "silver"] if c != base)
            rows.append((i, color))
        rows.sort(key=lambda r: r[0])
        for i, color in rows:
            cpu, gpu, ram, storage = model["configs"][i]
            n += 1
            pid = f"lap-{n:03d}"
            name = f"{model['brand']} {model['line']} {model['label']}"
            if multi:
                name += f" ({ram} GB, {storage_text(storage)})"
            price = laptop_price(cpu, gpu, ram, storage, touch=model["touch"], form=model["form"],
                                 weight=model["weight"], os=model["os"], screen=model["screen"],
                                 premium=model["premium"])
            # heavier chips drain the battery a little faster than the base configuration
            battery = model["battery"] - (1 if cpu in ("performance", "workstation") and i > 0 else 0)
            attrs = dict(price=price, brand=model["brand"], line=model["line"], ram_gb=ram, storage_gb=storage,
                         screen_in=model["screen"], os=model["os"], cpu_class=cpu, gpu=gpu,
                         weight_kg=model["weight"], battery_hours=battery, touchscreen=model["touch"],
                         form_factor=model["form"], color=color)
            base_name = f"{model['brand']} {model['line']} {model['label']}"
            products.append(dict(id=pid, category="laptops", name=name,
                                 description=laptop_description(pid, base_name, attrs),
                                 attributes={k: attrs[k] for k in LAPTOP_ATTRS}))
    return products


# --------------------------------------------------------------------------------------------------
# Headphones
# --------------------------------------------------------------------------------------------------

# brand, line, style, wireless, anc, battery, weight, water, mic, price, colours
HEADPHONES = [
    ("Sony", "Hushline 5", "over-ear", True, True, 30, 250, False, True, 349, ["black", "silver"]),
    ("Sony", "Hushline 4", "over-ear", True, True, 30, 254, False, True, 249, ["black", "blue"]),
    ("Sony", "Hushbuds 3", "in-ear", True, True, 8, 5, True, True, 279, ["black", "silver", "pink"]),
    ("Sony", "Daytrip", "on-ear", True, False, 50, 147, False, True, 59, ["black", "blue", "pink", "white"]),
    ("Sony", "Studio Monitor 7", "over-ear", False, False, 0, 215, False, False, 99, ["black"]),
    ("Bose", "Stillwater Over-Ear", "over-ear", True, True, 24, 254, False, True, 379, ["black", "beige", "white"]),
    ("Bose", "Stillwater Buds", "in-ear", True, True, 6, 6, True, True, 279, ["black", "beige"]),
    ("Bose", "Trailfit Buds", "in-ear", True, False, 6, 6, True, True, 179, ["black", "blue", "red"]),
    ("Apple", "Pods Air", "in-ear", True, False, 5, 4, True, True, 129, ["white", "pink"]),
    ("Apple", "Pods Studio", "in-ear", True, True, 6, 5, True, True, 249, ["white"]),
    ("Apple", "Halo Over-Ear", "over-ear", True, True, 20, 385, False, True, 549,
     ["silver", "pink", "blue", "green"]),
    ("Apple", "Wired Buds", "in-ear", False, False, 0, 10, False, True, 19, ["white"]),
    ("Sennheiser", "Atelier 4", "over-ear", True, True, 60, 293, False, True, 329, ["black", "white"]),
    ("Sennheiser", "Reference 560", "over-ear", False, False, 0, 240, False, False, 199, ["silver"]),
    ("Sennheiser", "Atelier Buds", "in-ear", True, True, 7, 6, True, True, 249, ["black", "white", "silver"]),
    ("Sennheiser", "Classic 25", "on-ear", False, False, 0, 160, False, True, 49, ["black"]),
    ("JBL", "Pulse Tune 5", "on-ear", True, False, 40, 160, False, True, 49, ["black", "blue", "white", "pink"]),
    ("JBL", "Pulse Tune 7 NC", "over-ear", True, True, 44, 250, False, True, 99, ["black", "blue", "white"]),
    ("JBL", "Rush Sport", "in-ear", True, False, 8, 7, True, True, 79, ["black", "red", "blue"]),
    ("JBL", "Rush Buds", "in-ear", True, True, 6, 5, True, True, 49, ["black", "green"]),
    ("Anker", "Tidal Q3", "over-ear", True, True, 40, 260, False, True, 59, ["black", "blue"]),
    ("Anker", "Tidal Q5", "over-ear", True, True, 60, 265, False, True, 99, ["black", "silver"]),
    ("Anker", "Tidal Buds", "in-ear", True, True, 8, 5, True, True, 79, ["black", "white"]),
    ("Anker", "Tidal Go", "in-ear", True, False, 7, 4, True, True, 25, ["black", "white", "pink"]),
    ("Beats", "Surge Solo", "on-ear", True, False, 40, 192, False, True, 199, ["black", "red", "blue", "beige"]),
    ("Beats", "Surge Studio", "over-ear", True, True, 40, 260, False, True, 349, ["black", "beige", "silver"]),
    ("Beats", "Surge Fit", "in-ear", True, True, 6, 6, True, True, 199, ["black", "red", "green"]),
    ("Audio-Technica", "Monitor 40", "over-ear", False, False, 0, 240, False, False, 99, ["black", "white"]),
    ("Audio-Technica", "Monitor 50", "over-ear", False, False, 0, 285, False, False, 149, ["black"]),
    ("Audio-Technica", "Monitor 50 Wireless", "over-ear", True, False, 60, 307, False, True, 199, ["black"]),
    ("Audio-Technica", "Sound Pocket", "in-ear", False, False, 0, 9, False, False, 29, ["black", "red"]),
    ("Jabra", "Rally 8", "in-ear", True, True, 8, 5, True, True, 149, ["black", "green"]),
    ("Jabra", "Rally 5", "in-ear", True, False, 7, 5, True, True, 79, ["black", "beige"]),
    ("Jabra", "Desk 65", "on-ear", True, True, 37, 200, False, True, 229, ["black", "beige"]),
    ("Skullcandy", "Riot", "in-ear", False, False, 0, 11, False, True, 12, ["black", "red", "blue"]),
    ("Skullcandy", "Riot Wireless", "in-ear", True, False, 6, 5, True, True, 29, ["black", "green"]),
    ("Skullcandy", "Grind On-Ear", "on-ear", True, False, 42, 180, False, True, 59, ["black", "green", "beige"]),
    ("Skullcandy", "Grind Wired", "on-ear", False, False, 0, 170, False, True, 24, ["black"]),
]
# products that also come in a second colour (a near-duplicate differing only in colour)
HEADPHONE_TWINS = {"Hushline 5", "Daytrip", "Stillwater Over-Ear", "Halo Over-Ear", "Pulse Tune 5",
                   "Surge Solo", "Tidal Go", "Riot", "Rush Sport", "Monitor 40", "Grind On-Ear"}


def headphone_profiles(a: dict) -> list[str]:
    """Which use-case sentences fit a pair of headphones, most distinctive first."""
    profiles = []
    if not a["wireless"] and not a["microphone"] and a["style"] == "over-ear":
        profiles.append("studio")
    if a["noise_cancelling"] and a["style"] != "in-ear":
        profiles.append("travel")
    if a["water_resistant"] and a["style"] == "in-ear":
        profiles.append("sport")
    if a["noise_cancelling"] and a["style"] == "in-ear":
        profiles.append("commute")
    if a["microphone"] and a["style"] == "on-ear" and a["noise_cancelling"]:
        profiles.insert(0, "office")
    if a["price"] < 60:
        profiles.append("budget")
    if a["wireless"] and a["battery_hours"] >= 40:
        profiles.append("long_battery")
    if not profiles:
        profiles.append("everyday")
    return profiles


HEADPHONE_USE = {
    "studio": [
        "Musicians and home producers use them for mixing and editing because the sound is flat and honest.",
        "They are a favourite for recording, podcast editing and critical listening at a desk.",
    ],
    "travel": [
        "Active noise cancelling hushes engine drone on flights and trains, so they suit frequent travellers.",
        "Put them on in a noisy office or on a long flight and the background rumble fades away.",
        "They are made for long journeys and open-plan offices where quiet is hard to find.",
    ],
    "sport": [
        "A sweat-resistant build and a secure fit make them good company for runs and gym sessions.",
        "They shrug off rain and sweat, which makes them a natural pick for workouts and outdoor training.",
    ],
    "commute": [
        "Noise cancelling in a tiny package makes them ideal for busy commutes and calls on the go.",
        "They slip into a pocket and quiet the bus or subway around you.",
    ],
    "office": [
        "The boom-free microphone and cancelling of background chatter make them a solid choice for work calls.",
        "They are tuned for video meetings and long days on calls, with comfortable padding.",
    ],
    "budget": [
        "They are an inexpensive choice for school, a spare pair for the gym bag, or everyday listening.",
        "A low-cost way to get decent sound for podcasts, videos and music.",
    ],
    "long_battery": [
        "The battery lasts for days of listening between charges.",
        "You can go a whole week of commuting without hunting for a charger.",
    ],
    "everyday": [
        "They are an easy everyday pair for music, podcasts and calls.",
        "A comfortable all-round choice for listening at home, at work and on the move.",
    ],
}

STYLE_WORDS = {
    "over-ear": ["over-ear headphones", "full-size over-ear headphones", "around-the-ear headphones"],
    "on-ear": ["on-ear headphones", "compact on-ear headphones"],
    "in-ear": ["in-ear earbuds", "earbuds", "in-ear buds"],
}


def headphone_description(pid: str, name: str, a: dict) -> str:
    """Two or three sentences about a pair of headphones."""
    rng = random.Random(pid)
    style = pick(rng, STYLE_WORDS[a["style"]])
    anc = "with active noise cancelling" if a["noise_cancelling"] else "without noise cancelling"
    if a["wireless"]:
        conn = pick(rng, ["wireless Bluetooth", "cable-free Bluetooth", "wireless"])
        batt = (f"up to {a['battery_hours']} hours per charge" if a["style"] != "in-ear"
                else f"about {a['battery_hours']} hours per charge in the buds themselves")
        first = pick(rng, [
            f"The {name} are {conn} {style} {anc}, offering {batt}.",
            f"These {conn} {style} from {a['brand']} come {anc} and give {batt}.",
            f"{name}: {conn} {style} {anc}; expect {batt}.",
        ])
    else:
        conn = pick(rng, ["wired", "cabled", "plug-in wired"])
        first = pick(rng, [
            f"The {name} are {conn} {style} {anc} that plug straight into a headphone socket.",
            f"These {conn} {style} from {a['brand']} never need charging, since they run off the cable.",
            f"{name}: simple {conn} {style} {anc}, with no battery to worry about.",
        ])
    profiles = headphone_profiles(a)
    use = pick(rng, HEADPHONE_USE[profiles[0]])
    extras = []
    if a["microphone"]:
        extras.append("A built-in microphone handles phone and video calls.")
    else:
        extras.append("There is no microphone, so they are meant for listening rather than calls.")
    if a["style"] == "in-ear":
        extras.append(f"Each bud weighs about {a['weight_g']} g and sits lightly in the ear.")
    else:
        extras.append(f"They weigh {a['weight_g']} g.")
    if len(profiles) > 1:
        extras.append(pick(rng, HEADPHONE_USE[profiles[1]]))
    return " ".join([first, use, pick(rng, extras)])


def make_headphones() -> list[dict]:
    """Every pair of headphones, colours balanced, plus the colour twins."""
    products = []
    n = 0
    used: dict[str, int] = {}
    for brand, line, style, wireless, anc, batt, weight, water, mic, price, colors in HEADPHONES:
        variants = [least_used(colors, used)]
        if line in HEADPHONE_TWINS and len(colors) > 1:
            variants.append(least_used(colors, used, exclude=(variants[0],)))
        for color in variants:
            n += 1
            pid = f"hph-{n:03d}"
            name = f"{brand} {line}"
            attrs = dict(price=price, brand=brand, line=line, style=style, wireless=wireless,
                         noise_cancelling=anc, battery_hours=batt, weight_g=weight, water_resistant=water,
                         microphone=mic, color=color)
            products.append(dict(id=pid, category="headphones", name=name,
                                 description=headphone_description(pid, name, attrs),
                                 attributes={k: attrs[k] for k in HEADPHONE_ATTRS}))
    return products


# --------------------------------------------------------------------------------------------------
# Smartphones
# --------------------------------------------------------------------------------------------------

# brand, line, os, screen, battery, camera, 5g, jack, weight, colours, configs (storage, ram, price)
PHONES = [
    ("Apple", "Ember SE", "iOS", 4.7, 2018, 12, True, False, 144, ["black", "white", "red"],
     [(64, 4, 429), (128, 4, 479)]),
    ("Apple", "Ember Mini", "iOS", 5.4, 2400, 12, True, False, 141, ["blue", "white"], [(128, 6, 599)]),
    ("Apple", "Ember", "iOS", 6.1, 3350, 48, True, False, 171, ["black", "blue", "green", "purple"],
     [(128, 6, 799), (256, 6, 899)]),
    ("Apple", "Ember Max", "iOS", 6.7, 4380, 48, True, False, 201, ["black", "blue"], [(128, 6, 899)]),
    ("Apple", "Ember Pro", "iOS", 6.3, 3580, 48, True, False, 199, ["silver", "black", "gold"],
     [(256, 8, 1099), (512, 8, 1299)]),
    ("Apple", "Ember Pro Max", "iOS", 6.9, 4680, 48, True, False, 227, ["silver", "gold"],
     [(256, 8, 1199), (1024, 8, 1599)]),
    ("Samsung", "Stellar S", "Android", 6.2, 4000, 50, True, False, 167, ["black", "purple", "silver", "gold"],
     [(128, 8, 799), (256, 8, 859)]),
    ("Samsung", "Stellar S Ultra", "Android", 6.8, 5000, 200, True, False, 232, ["black", "silver", "purple"],
     [(256, 12, 1299), (512, 12, 1419)]),
    ("Samsung", "Stellar A5", "Android", 6.5, 5000, 50, True, False, 213, ["black", "blue", "white"],
     [(128, 6, 449)]),
    ("Samsung", "Stellar A1", "Android", 6.6, 5000, 50, False, True, 192, ["black", "blue", "silver", "red"],
     [(64, 4, 199)]),
    ("Samsung", "Nova Flex", "Android", 7.6, 4400, 50, True, False, 239, ["black", "silver", "blue"],
     [(256, 12, 1799), (512, 12, 1919)]),
    ("Google", "Lumen 8", "Android", 6.2, 4575, 50, True, False, 187, ["black", "white", "green"],
     [(128, 8, 699)]),
    ("Google", "Lumen 8 Pro", "Android", 6.7, 5050, 50, True, False, 213, ["black", "white", "blue"],
     [(128, 12, 999), (256, 12, 1059)]),
    ("Google", "Lumen 8a", "Android", 6.1, 4490, 64, True, False, 188, ["black", "blue", "white", "green"],
     [(128, 8, 499)]),
    ("OnePlus", "Apex 12", "Android", 6.8, 5400, 50, True, False, 220, ["black", "green"],
     [(256, 12, 799), (512, 16, 899)]),
    ("OnePlus", "Stride", "Android", 6.7, 5000, 50, True, True, 195, ["black", "silver", "gold"], [(128, 8, 299)]),
    ("Motorola", "Flint G", "Android", 6.5, 5000, 50, False, True, 185, ["black", "blue", "green"],
     [(64, 4, 159)]),
    ("Motorola", "Flint G 5G", "Android", 6.5, 5000, 50, True, True, 189, ["black", "blue"], [(128, 4, 249)]),
    ("Motorola", "Edgeway", "Android", 6.7, 4500, 50, True, False, 175, ["blue", "purple", "red"], [(256, 8, 599)]),
    ("Nokia", "Steadfast 30", "Android", 6.1, 4000, 13, False, True, 190, ["black", "blue"],
     [(32, 2, 99), (64, 3, 129)]),
    ("Nokia", "Steadfast 50", "Android", 6.6, 5000, 50, True, True, 210, ["black", "green"], [(128, 6, 249)]),
    ("Xiaomi", "Comet 14", "Android", 6.4, 4600, 50, True, False, 193, ["black", "white", "green", "red"],
     [(256, 12, 699)]),
    ("Xiaomi", "Comet Note", "Android", 6.7, 5000, 108, True, True, 199, ["black", "purple", "blue"],
     [(128, 6, 229), (256, 8, 279)]),
    ("Xiaomi", "Comet Ultra", "Android", 6.7, 5300, 50, True, False, 229, ["black", "white"],
     [(512, 16, 1099)]),
    ("Sony", "Vivace 1", "Android", 6.5, 5000, 48, True, True, 192, ["black", "green", "purple"],
     [(256, 12, 1199)]),
    ("Sony", "Vivace 10", "Android", 6.1, 5000, 48, True, True, 159, ["black", "white", "blue"],
     [(128, 8, 449)]),
]
# lines that also come in another colour at the same price (a near-duplicate differing only in colour)
PHONE_TWINS = {"Ember SE", "Ember", "Ember Pro", "Stellar S", "Lumen 8", "Flint G", "Comet Note",
               "Vivace 1", "Stellar A5", "Nova Flex", "Lumen 8a"}

PHONE_USE = {
    "camera": [
        "Photographers will like the {camera} MP main camera, which keeps detail in zoomed shots and night scenes.",
        "The {camera} MP camera system is the star here, good for travel photos and crisp video.",
    ],
    "foldable": [
        "It opens into a {screen}-inch tablet-sized screen for reading, split-screen work and video.",
        "Unfold it and you get a small tablet for documents, maps and two apps side by side.",
    ],
    "compact": [
        "Its {screen}-inch screen keeps it small enough for one-handed use and any pocket.",
        "A compact size that suits people who find modern phones too big to hold.",
    ],
    "battery": [
        "The {battery} mAh battery easily lasts a full day of heavy use, often two with light use.",
        "A large {battery} mAh battery means fewer trips to the charger, even with lots of streaming.",
    ],
    "budget": [
        "It covers messaging, maps, social apps and calls at a price that leaves money for a case.",
        "A sensible pick for a first phone, a teenager, or a backup device.",
        "It handles the basics well, from calls and texts to video chats and streaming.",
    ],
    "gaming": [
        "Mobile gamers get {ram} GB of RAM and a fast chip that keeps demanding games smooth.",
        "With {ram} GB of memory it juggles games, streaming and many open apps without slowing down.",
    ],
    "everyday": [
        "It is a well-balanced phone for photos, navigation, streaming and staying in touch.",
        "A reliable everyday phone with a bright display and smooth software.",
    ],
}


def phone_profiles(a: dict) -> list[str]:
    """Which use-case sentences fit a phone, most distinctive first."""
    profiles = []
    if a["screen_in"] >= 7.2:
        profiles.append("foldable")
    if a["camera_mp"] >= 100 or (a["price"] >= 1000 and a["camera_mp"] >= 48):
        profiles.append("camera")
    if a["screen_in"] <= 5.5:
        profiles.append("compact")
    if a["ram_gb"] >= 12:
        profiles.append("gaming")
    if a["battery_mah"] >= 5000:
        profiles.append("battery")
    if a["price"] < 300:
        profiles.append("budget")
    if not profiles:
        profiles.append("everyday")
    return profiles


def phone_description(pid: str, name: str, a: dict) -> str:
    """Two or three sentences about a phone."""
    rng = random.Random(pid)
    net = "5G" if a["has_5g"] else "4G LTE"
    storage = storage_text(a["storage_gb"])
    first = pick(rng, [
        f"The {name} is {a_an(a['os'])} phone with {a_an(inch(a['screen_in']) + '-inch')} display, {storage} of storage and "
        f"{net} connectivity.",
        f"This {a['brand']} {a['os']} phone offers {a_an(inch(a['screen_in']) + '-inch')} screen, {a['ram_gb']} GB of RAM and "
        f"{storage} of built-in storage.",
        f"{name}: {a_an(inch(a['screen_in']) + '-inch')} {net} phone running {a['os']}, with a {a['camera_mp']} MP main camera.",
    ])
    fmt = dict(camera=a["camera_mp"], screen=inch(a["screen_in"]), battery=a["battery_mah"], ram=a["ram_gb"])
    profiles = phone_profiles(a)
    use = pick(rng, PHONE_USE[profiles[0]]).format(**fmt)
    extras = [f"It weighs {a['weight_g']} g."]
    if a["headphone_jack"]:
        extras.append("It keeps a 3.5 mm headphone jack for wired earphones.")
    else:
        extras.append("There is no headphone jack, so wired earphones need an adapter.")
    if len(profiles) > 1:
        extras.append(pick(rng, PHONE_USE[profiles[1]]).format(**fmt))
    return " ".join([first, use, pick(rng, extras)])


def make_phones() -> list[dict]:
    """Every phone: one product per storage option, colours balanced, plus the colour twins."""
    products = []
    n = 0
    used: dict[str, int] = {}
    for brand, line, os_, screen, batt, cam, g5, jack, weight, colors, configs in PHONES:
        multi = len(configs) > 1
        for i, (storage, ram, price) in enumerate(configs):
            variants = [least_used(colors, used)]
            if i == 0 and line in PHONE_TWINS:
                variants.append(least_used(colors, used, exclude=(variants[0],)))
            for color in variants:
                n += 1
                pid = f"phn-{n:03d}"
                name = f"{brand} {line}" + (f" {storage_text(storage)}" if multi else "")
                attrs = dict(price=price, brand=brand, line=line, os=os_, storage_gb=storage, ram_gb=ram,
                             screen_in=screen, battery_mah=batt, camera_mp=cam, has_5g=g5, headphone_jack=jack,
                             weight_g=weight, color=color)
                products.append(dict(id=pid, category="smartphones", name=name,
                                     description=phone_description(pid, f"{brand} {line}", attrs),
                                     attributes={k: attrs[k] for k in PHONE_ATTRS}))
    return products


def dump(products: list[dict], path: Path, title: str) -> None:
    """Write one catalog file with a short header comment."""
    header = (f"# SalesSim built-in catalog: {title}. Invented products (no real model names).\n"
              f"# Generated by scripts/make_catalog.py; edit the generator, then re-run it.\n")
    body = yaml.safe_dump(products, sort_keys=False, allow_unicode=True, width=110)
    path.write_text(header + body, encoding="utf-8")


def main() -> None:
    """Regenerate the three catalog files."""
    OUT.mkdir(parents=True, exist_ok=True)
    dump(make_laptops(), OUT / "laptops.yaml", "laptops")
    dump(make_headphones(), OUT / "headphones.yaml", "headphones")
    dump(make_phones(), OUT / "smartphones.yaml", "smartphones")


if __name__ == "__main__":
    main()
