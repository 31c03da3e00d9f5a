"""A table of hand-written shopper sentences and the criteria salessim.nlu must read from them.

Each case lists *every* criterion expected (order does not matter); a 4th element in a tuple also
checks the strength cue ("must" / "want" / None).
"""

from __future__ import annotations

import pytest

from salessim.nlu import extract_criteria

L, H, P = "laptops", "headphones", "smartphones"

CASES = [
    # --- budget in its many forms ---------------------------------------------------------------
    ("I need something under $800", L, [("price", "<", 800, "must")]),
    ("no more than 1,200 dollars", L, [("price", "<=", 1200)]),
    ("around 500 bucks", L, [("price", "<=", 550)]),
    ("Under a grand, please.", L, [("price", "<", 1000)]),
    ("1.5k max", L, [("price", "<=", 1500)]),
    ("Somewhere between 600 and 900.", L, [("price", ">=", 600), ("price", "<=", 900)]),
    ("I can't go above 700.", L, [("price", "<=", 700, "must")]),
    ("My budget is 650.", L, [("price", "<=", 650, None)]),
    ("Something in the $700-$900 range.", L, [("price", ">=", 700), ("price", "<=", 900)]),
    ("I have about 600 bucks saved up.", L, [("price", "<=", 660)]),
    ("My budget's $1.2k tops.", L, [("price", "<=", 1200)]),
    ("Under 2 grand for sure.", L, [("price", "<", 2000, "must")]),
    ("I could stretch to 1200 if it's really worth it.", L, [("price", "<=", 1200)]),
    ("I'd like to keep it to 400 dollars or less.", H, [("price", "<=", 400, "want")]),
    ("Ideally under $150.", H, [("price", "<", 150, "want")]),
    ("Twelve hundred bucks is my limit.", L, [("price", "<=", 1200)]),
    ("I don't want to spend more than $300 on a phone.", P, [("price", "<=", 300)]),
    ("Budget is 100, maybe 150 max.", H, [("price", "<=", 100), ("price", "<=", 150, "want")]),
    # --- memory and storage -------------------------------------------------------------------------
    ("16 gigs", L, [("ram_gb", ">=", 16)]),
    ("At least 16GB RAM and a 512 gb ssd.", L, [("ram_gb", ">=", 16), ("storage_gb", ">=", 512)]),
    ("1TB of storage would be nice.", L, [("storage_gb", ">=", 1024, "want")]),
    ("half a terabyte is plenty", L, [("storage_gb", ">=", 512)]),
    ("It must have 32GB of memory.", L, [("ram_gb", ">=", 32, "must")]),
    ("128GB storage minimum", P, [("storage_gb", ">=", 128)]),
    ("8GB of RAM and 256 gigs of storage", P, [("ram_gb", ">=", 8), ("storage_gb", ">=", 256)]),
    ("I need at least 256GB because my photos take up space.", P, [("storage_gb", ">=", 256, "must")]),
    ("at least 8 gigs of RAM", P, [("ram_gb", ">=", 8)]),
    ("My old laptop has 8GB of RAM and it's too slow, I need 16GB.", L, [("ram_gb", ">=", 16, "must")]),
    # --- screens ------------------------------------------------------------------------------------
    ("a 15-inch screen", L, [("screen_in", ">=", 15), ("screen_in", "<", 16)]),
    ('15.6" display', L, [("screen_in", "==", 15.6)]),
    ("something big like 17", L, [("screen_in", ">=", 17)]),
    ("small screen ~13", L, [("screen_in", "<", 14)]),
    ("The screen should be 14 or 15 inches.", L, [("screen_in", ">=", 14), ("screen_in", "<", 16)]),
    ("It has to be at least a 13 inch screen", L, [("screen_in", ">=", 13, "must")]),
    ("A 6.1-inch screen, not too big.", P, [("screen_in", "==", 6.1)]),
    ("nothing bigger than 6.5 inches", P, [("screen_in", "<=", 6.5)]),
    ("Something compact that fits in my pocket.", P, [("screen_in", "<=", 6.1)]),
    # --- operating systems, incl. negation ------------------------------------------------------------
    ("anything but Windows", L, [("os", "!=", "Windows")]),
    ("No Chromebooks.", L, [("os", "!=", "ChromeOS")]),
    ("I'm an Apple person.", L, [("os", "==", "macOS"), ("brand", "==", "Apple")]),
    ("Android please", P, [("os", "==", "Android")]),
    ("I want an iPhone", P, [("os", "==", "iOS"), ("brand", "==", "Apple")]),
    ("No iPhones please, I'm an Android guy.", P,
     [("os", "!=", "iOS"), ("brand", "!=", "Apple"), ("os", "==", "Android")]),
    ("I prefer Linux but Windows is fine too.", L, [("os", "==", "Linux", "want"), ("os", "==", "Windows", None)]),
    ("It has to be a Mac.", L, [("os", "==", "macOS", "must"), ("brand", "==", "Apple", "must")]),
    ("Mac or Windows, either works.", L, [("os", "in", ["Windows", "macOS"])]),
    ("I'm switching from Windows to a Mac.", L, [("os", "==", "macOS"), ("brand", "==", "Apple")]),
    ("I have an iPhone 12 right now and want to switch to Android.", P, [("os", "==", "Android")]),
    # --- brands -------------------------------------------------------------------------------------------
    ("not a Dell", L, [("brand", "!=", "Dell")]),
    ("I'd prefer Lenovo or HP.", L, [("brand", "in", ["HP", "Lenovo"], "want")]),
    ("Maybe a ThinkPad?", L, [("brand", "==", "Lenovo", "want")]),
    ("No Dell, HP or Acer.", L, [("brand", "not_in", ["Dell", "HP", "Acer"])]),
    ("I'd like Sony or Bose.", H, [("brand", "in", ["Sony", "Bose"], "want")]),
    ("Samsung or Google, under $600.", P, [("brand", "in", ["Samsung", "Google"]), ("price", "<", 600)]),
    ("I currently have a Dell and I hate it.", L, []),
    ("I hated my last Lenovo, so no Lenovo this time.", L, [("brand", "!=", "Lenovo")]),
    # --- colours (visual-only, but shoppers still say them) ---------------------------------------------
    ("in black", L, [("color", "==", "black")]),
    ("nothing pink", H, [("color", "!=", "pink")]),
    ("silver or space gray", L, [("color", "in", ["silver", "space gray"])]),
    ("Can I see it in space grey?", L, [("color", "==", "space gray")]),
    ("I'd love it in blue.", P, [("color", "==", "blue", "want")]),
    # --- weight ---------------------------------------------------------------------------------------------
    ("light, under 1.5 kg", L, [("weight_kg", "<", 1.5)]),
    ("under 3 pounds", L, [("weight_kg", "<", 1.36)]),
    ("It needs to be lightweight.", L, [("weight_kg", "<=", 1.5, "must")]),
    ("Please, nothing over 3.5 lbs.", L, [("weight_kg", "<=", 1.59)]),
    ("under 200 grams", P, [("weight_g", "<", 200)]),
    ("lightweight earbuds", H, [("weight_g", "<=", 250), ("style", "==", "in-ear")]),
    # --- battery ---------------------------------------------------------------------------------------------
    ("all-day battery", L, [("battery_hours", ">=", 10)]),
    ("at least 12 hours of battery", L, [("battery_hours", ">=", 12)]),
    ("big battery", P, [("battery_mah", ">=", 4500)]),
    ("I need a big battery, like 5000mAh.", P, [("battery_mah", ">=", 5000, "must")]),
    ("something with at least 30 hours battery life", H, [("battery_hours", ">=", 30)]),
    ("I'd like it under 1.5kg and with at least 8 hours battery.", L,
     [("weight_kg", "<", 1.5, "want"), ("battery_hours", ">=", 8, "want")]),
    # --- laptop features, processors and graphics ------------------------------------------------------------
    ("a touchscreen 2-in-1 would be nice", L,
     [("touchscreen", "==", True, "want"), ("form_factor", "==", "2-in-1", "want")]),
    ("no touchscreen please, and definitely not a 2-in-1", L,
     [("touchscreen", "==", False), ("form_factor", "!=", "2-in-1", "must")]),
    ("I don't need a touchscreen.", L, []),
    ("For gaming, dedicated graphics is a must.", L, [("gpu", "!=", "integrated", "must")]),
    ("I need 32GB of RAM and 1TB SSD minimum, RTX 4070 or better.", L,
     [("ram_gb", ">=", 32, "must"), ("storage_gb", ">=", 1024, "must"),
      ("gpu", "in", ["midrange_discrete", "high_end_discrete"], "must")]),
    ("at least an i5", L, [("cpu_class", "in", ["mainstream", "performance", "workstation"])]),
    ("I'm an engineer, I need a workstation-class CPU and a high-end GPU.", L,
     [("cpu_class", "==", "workstation", "must"), ("gpu", "==", "high_end_discrete", "must")]),
    ("Something I can use as a tablet would be great.", L, [("form_factor", "!=", "clamshell", "want")]),
    # --- headphones -----------------------------------------------------------------------------------------------
    ("earbuds, wireless, noise cancelling", H,
     [("style", "==", "in-ear"), ("wireless", "==", True), ("noise_cancelling", "==", True)]),
    ("over-ear with a mic, water resistant", H,
     [("style", "==", "over-ear"), ("microphone", "==", True), ("water_resistant", "==", True)]),
    ("I want earbuds for running, they need to be sweatproof.", H,
     [("style", "==", "in-ear"), ("water_resistant", "==", True, "must")]),
    ("Noise cancelling is a must for my flights.", H, [("noise_cancelling", "==", True, "must")]),
    ("I don't need noise cancelling.", H, []),
    ("They have to be wired.", H, [("wireless", "==", False, "must")]),
    ("No bluetooth, I want a cable.", H, [("wireless", "==", False)]),
    ("true wireless earbuds with ANC", H,
     [("style", "==", "in-ear"), ("wireless", "==", True), ("noise_cancelling", "==", True)]),
    ("I won't consider on-ear headphones.", H, [("style", "!=", "on-ear", "must")]),
    # --- phones -------------------------------------------------------------------------------------------------------
    ("5G and a headphone jack, 48MP camera, 128GB storage", P,
     [("has_5g", "==", True), ("headphone_jack", "==", True), ("camera_mp", ">=", 48), ("storage_gb", ">=", 128)]),
    ("I need a phone with a good camera.", P, [("camera_mp", ">=", 48, "must")]),
    ("4G only is fine, no 5G.", P, [("has_5g", "==", False)]),
    ("A 50 megapixel camera would be nice.", P, [("camera_mp", ">=", 50, "want")]),
    # --- product lines -----------------------------------------------------------------------------------------------
    ("Something from the ThinkPad line.", L, [("line", "==", "ThinkPad"), ("brand", "==", "Lenovo")]),
    ("I'd rather avoid the XPS series.", L, [("line", "!=", "XPS", "want"), ("brand", "!=", "Dell", "want")]),
    # --- several criteria in one sentence ------------------------------------------------------------------------------
    ("I need a Mac with at least 16GB of RAM, under $1,500, in space gray if possible.", L,
     [("os", "==", "macOS", "must"), ("brand", "==", "Apple", "must"), ("ram_gb", ">=", 16, "must"),
      ("price", "<", 1500, "must"), ("color", "==", "space gray", "want")]),
    ("Looking for a 14 inch Windows laptop, 16GB, under 1000, not HP.", L,
     [("screen_in", ">=", 14), ("screen_in", "<", 15), ("os", "==", "Windows"), ("ram_gb", ">=", 16),
      ("price", "<", 1000), ("brand", "!=", "HP")]),
    ("Wireless over-ear with noise cancelling under $300, black or silver.", H,
     [("wireless", "==", True), ("style", "==", "over-ear"), ("noise_cancelling", "==", True),
      ("price", "<", 300), ("color", "in", ["black", "silver"])]),
    ("Android, 256GB, big battery, and a 6.7 inch screen would be ideal.", P,
     [("os", "==", "Android", "want"), ("storage_gb", ">=", 256, "want"), ("battery_mah", ">=", 4500, "want"),
      ("screen_in", "==", 6.7, "want")]),
    # --- questions, decisions, differences, vague words -------------------------------------------------------------------
    ("Do you have anything under five hundred dollars?", L, [("price", "<", 500)]),
    ("$1,299 is way over what I can afford.", L, [("price", "<", 1299)]),
    ("It's $200 more than I wanted to spend.", L, []),
    ("I'm fine with last year's model if it saves me 200 bucks.", P, []),
    ("something cheap, I just check email", L, [("price", "<=", 500)]),
    ("honestly anything that blocks out my roommates", H, [("noise_cancelling", "==", True)]),
    ("they need to last 30+ hours", H, [("battery_hours", ">=", 30, "must")]),
    ("Dell is out.", L, [("brand", "!=", "Dell")]),
    ("Nothing but Apple for me.", L, [("brand", "==", "Apple")]),
    ("Does it have a touchscreen?", L, []),
    ("Is the OnePlus any good?", P, []),
    ("What's the difference between on-ear and over-ear?", H, []),
    # asking what a word means, or about the salesperson's word, is not asking for it
    ("Quick question: what is noise cancelling and do I need it?", H, []),
    ("Sorry, what does on-ear actually mean?", H, []),
    ("I'm not very techy: what's ChromeOS?", L, []),
    ("You mentioned ChromeOS, what does that do for me?", L, []),
    ("I need Windows. What is ChromeOS?", L, [("os", "==", "Windows")]),
    ("What is under $500?", L, [("price", "<", 500)]),
    ("I'll take the Anker ones.", H, []),
    # --- facts about a shown product are not wishes ---------------------------------------------------------------------------
    ("The Dell XPS 13 costs $1,299, and that won't work. I can't spend more than $800.", L,
     [("price", "<=", 800, "must")]),
    ("Not the XPS, sorry, it runs Windows. Anything but Windows, that's non-negotiable.", L,
     [("os", "!=", "Windows", "must")]),
    ("Hmm, the ThinkPad has no touchscreen. That's a problem: a touchscreen is a must.", L,
     [("touchscreen", "==", True, "must")]),
    ("The Sony WH-1000XM5 is wireless, which rules it out. They have to be wired.", H,
     [("wireless", "==", False, "must")]),
    ("Make sure it has at least 16GB of RAM.", L, [("ram_gb", ">=", 16, "must")]),
    # --- indifference scopes over the attribute it names (within its clause) -------------------------------------------
    ("I'm open on ANC", H, []),
    ("I'm flexible on a mic", H, []),
    ("No idea about blocking out noise", H, []),
    ("I don't mind if it has a mic.", H, []),
    ("Not fussed about a touchscreen.", L, []),
    ("Not bothered about 5G.", P, []),
    ("No strong views on Windows vs Mac.", L, []),
    ("Wireless or wired, either way.", H, []),
    ("Whatever colour is fine.", P, []),
    ("I'm easy on the brand, Dell or HP.", L, []),
    ("It doesn't matter whether it's black or silver.", H, []),
    ("Noise cancelling, I'm not fussed.", H, []),
    ("I need wireless, and I'm open on ANC.", H, [("wireless", "==", True, "must")]),
    ("I'm open on colour but I need 5G.", P, [("has_5g", "==", True, "must")]),
    ("I'm flexible on the brand, but it has to run Windows.", L, [("os", "==", "Windows", "must")]),
    ("I'm open to anything with a touchscreen.", L, [("touchscreen", "==", True)]),  # "anything with" is a wish
    # --- a shown (or formerly owned) product's property turned down --------------------------------------------------
    ("That one runs macOS, and that won't work", L, [("os", "!=", "macOS")]),
    ("it's a Chromebook, which is no good for me", L, [("os", "!=", "ChromeOS")]),
    ("Unfortunately it's a 2-in-1.", L, [("form_factor", "!=", "2-in-1")]),
    ("The ThinkPad has no touchscreen, which is a problem.", L, [("touchscreen", "==", True)]),
    ("Windows won't work for me.", L, [("os", "!=", "Windows")]),
    ("It runs Windows, which is fine.", L, []),
    ("I had Beats before and hated them", H, [("brand", "!=", "Beats")]),
    ("My last phone was an iPhone and I hated it.", P, [("os", "!=", "iOS")]),
    ("I had a Dell before and loved it.", L, []),
    ("The 13-inch one is a bit small", L, [("screen_in", ">", 13)]),
    ("that's too heavy for me at 2 kg", L, [("weight_kg", "<", 2)]),
    ("256GB is a bit small.", P, [("storage_gb", ">", 256)]),
    ("$1,299 is too expensive.", L, [("price", "<", 1299)]),
    # --- product names are not wishes ------------------------------------------------------------------------------------
    ("I'll take the Acer Pathway Chromebook 11", L, []),
    ("I'll go with the HP Envy x360.", L, []),
    ("I'll take the Apple MacBook Air.", L, []),
    ("I'd like an HP Spectre x360.", L, [("brand", "==", "HP", "want")]),
    ("I'll take the Galaxy A54 5G.", P, []),
    ("I want an Apple MacBook.", L, [("brand", "==", "Apple"), ("os", "==", "macOS")]),
    ("a Lenovo Windows 11 laptop", L, [("brand", "==", "Lenovo"), ("os", "==", "Windows")]),
    # --- nothing to extract ----------------------------------------------------------------------------------------------
    ("hi, just browsing", L, []),
    ("thanks!", L, []),
    ("Can you show me the second one?", L, []),
    ("What's the battery life on that one?", L, []),
    ("I have 2 kids and need it for 3 years", P, []),
    ("I usually have like 30 tabs open.", L, []),
    ("I have lots of windows open at once.", L, []),
    ("Thanks for your help, have a good day!", H, []),
    ("How much RAM does it have?", L, []),
    ("That's too expensive for me.", L, [("price", "<=", 500)]),  # vague: the default reading of "too expensive"
    ("I'll take it!", P, []),
    ("The brand doesn't matter to me.", L, []),
    ("My old laptop is 5 years old and super slow.", L, []),
]


def _norm(value):
    if isinstance(value, list):
        return tuple(sorted(str(v) for v in value))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@pytest.mark.parametrize("text,category,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_phrasing_table(text, category, expected):
    got = extract_criteria(text, category)
    got_keys = sorted(((x.attribute, x.op, _norm(x.value)) for x in got), key=repr)
    want_keys = sorted(((e[0], e[1], _norm(e[2])) for e in expected), key=repr)
    assert got_keys == want_keys, "\n".join(x.describe() for x in got)
    for e in expected:
        if len(e) == 4:
            match = [x for x in got if (x.attribute, x.op, _norm(x.value)) == (e[0], e[1], _norm(e[2]))]
            assert match[0].strength == e[3], f"{e}: strength {match[0].strength}"


def test_table_is_large_enough():
    assert len(CASES) >= 80
    assert sum(1 for c in CASES if not c[2]) >= 10  # sentences that should extract nothing
