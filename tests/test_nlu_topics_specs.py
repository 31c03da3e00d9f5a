"""Text understanding for real LLM shopper text: topic-level disclosure (salessim.nlu.topics),
product specifications read from descriptions (salessim.nlu.specs), and the readings added for
imported preferences (comparators, misspellings, graphics cards)."""

from __future__ import annotations

import pytest

from salessim.nlu import extract_criteria
from salessim.nlu.specs import read_specs
from salessim.nlu.topics import topic_attributes


@pytest.mark.parametrize("text,attrs", [
    # indirect budget talk: no value, the topic is made known
    ("I really need to watch my spending.", ["price"]),
    ("I have a budget I need to stick to.", ["price"]),
    ("I don't want to break the bank on this.", ["price"]),
    ("That's a little more than what I was hoping to spend.", ["price"]),
    ("Is there anything cheaper?", ["price"]),  # a request counts
    ("I can't afford to replace it anytime soon.", ["price"]),
    # other attributes
    ("I need something that's easy to carry around.", ["weight_kg"]),
    ("I don't want it to be too bulky.", ["weight_kg"]),
    ("Battery life is another big concern for me.", ["battery_hours"]),
    ("I'm not a fan of carrying around a charger.", ["battery_hours"]),
    ("I take a lot of videos and need plenty of storage.", ["storage_gb"]),
    ("I'm going to be doing a lot of multitasking.", ["ram_gb"]),
    ("My current laptop can't keep up anymore and I need something powerful.", ["cpu_class"]),
    ("So, the screen size is especially important to me.", ["screen_in"]),
    ("I'd prefer Windows since I know it.", ["os"]),
])
def test_topic_disclosure(text, attrs):
    assert topic_attributes(text, "laptops") == attrs


@pytest.mark.parametrize("text", [
    "What's the battery life of the Dell?",  # a question about a product, not a need
    "How much RAM do I need for productivity?",  # asks for advice
    "The battery life looks pretty good.",  # a comment on a shown product
    "I don't care much about battery life.",  # indifference
    "Don't worry about the price.",
    "I don't want to spend time on things that break.",  # spending time, not money
    "Which would you recommend for lightweight gaming?",  # light gaming, not a light laptop
    "I'm not a power user, nothing too heavy, just browsing.",
    "I don't save a lot of files on it.",
    "Can I have multiple windows open?",
])
def test_no_topic_disclosure(text):
    assert topic_attributes(text, "laptops") == []


def test_topics_of_other_categories_and_product_names():
    assert topic_attributes("I mostly take calls on the train, so a good mic matters to me.", "headphones") == [
        "microphone"]
    assert topic_attributes("The camera is the most important thing for me.", "smartphones") == ["camera_mp"]
    text = "I'll go with the Aerobook 14 Pro, it fits what I need."
    assert "screen_in" in topic_attributes(text.replace("Aerobook 14 Pro", 'HP 14" Laptop'), "laptops")
    assert topic_attributes(text.replace("Aerobook 14 Pro", 'HP 14" Laptop'), "laptops",
                            ['HP 14" Laptop']) == []  # a spelled-out product name is masked


def test_specs_of_a_product_description():
    specs = {a: s.value for a, s in read_specs(
        "It's priced at $1,349.99, weighs 4.0 lbs and comes with an Intel Core i7, 16GB of memory, a 1TB SSD, "
        "an NVIDIA GeForce RTX 3060 graphics card, a 15.6-inch touch-screen display and 18-24 hour battery life.",
        "laptops").items()}
    assert specs == {"price": 1349.99, "ram_gb": 16, "storage_gb": 1024, "screen_in": 15.6,
                     "cpu_class": "performance", "gpu": "midrange_discrete", "weight_kg": 1.81, "battery_hours": 18,
                     "touchscreen": True}
    assert {a: s.value for a, s in read_specs("Memory: 8GB | Storage: 256GB | 64GB eMMC", "laptops").items()} == {
        "ram_gb": 8, "storage_gb": 256}
    assert read_specs("256GB", "laptops") == {}  # a bare capacity says nothing
    assert read_specs("", "laptops") == {}
    phone = {a: s.value for a, s in read_specs("A 6.1\" display, 5000 mAh battery and a 50MP camera, 187 grams",
                                               "smartphones").items()}
    assert phone == {"screen_in": 6.1, "battery_mah": 5000, "camera_mp": 50, "weight_g": 187}


@pytest.mark.parametrize("text,items", [
    ("Memory must be equal to or more than 16GB", [("ram_gb", ">=", 16)]),
    ("not smaller then 15 inches", [("screen_in", ">=", 15)]),  # "then" for "than"
    ("not bigger than 14 inches", [("screen_in", "<=", 14)]),
    ("NVIDIA GeForce RTX 2060", [("gpu", "==", "midrange_discrete")]),
    ("64GB eMMC", [("storage_gb", ">=", 64)]),
    ("I shoot in 4K and edit at home", []),  # 4K is a resolution, not $4000
])
def test_readings_added_for_real_preferences(text, items):
    assert [(x.attribute, x.op, x.value) for x in extract_criteria(text, "laptops")] == items
