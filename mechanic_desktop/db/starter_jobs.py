"""The starter library of canned jobs the demo data brings: twenty jobs most shops
quote every week, with their labour (operation, minutes) and parts by the demo
catalogue's kinds (``seed.PART_KINDS`` codes: the first catalogue entry of the kind).

A timing belt is specific to the engine, so the demo catalogue has none: that job
brings the water pump and coolant, and the shop adds the belt kit it orders.
"""

from __future__ import annotations

#: (name, concern, ((operation, minutes), ...), ((part kind code, quantity), ...))
StarterJob = tuple[str, str, tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]

STARTER_JOBS: tuple[StarterJob, ...] = (
    ("Oil and filter change", "Oil change due",
     (("Drain oil, replace filter, refill", 30),), (("OIL", 1), ("MOT", 5))),
    ("Front brake pads and rotors", "Grinding or squeal from the front brakes",
     (("Replace front pads and rotors, top up brake fluid", 90),),
     (("BPF", 1), ("ROT", 2), ("BFL", 1))),
    ("Rear brake pads", "Rear brakes worn",
     (("Replace rear brake pads", 60),), (("BPR", 1),)),
    ("Brake fluid flush", "Brake fluid due (every 2 years)",
     (("Flush and bleed brake fluid", 45),), (("BFL", 2),)),
    ("Coolant flush", "Coolant due for replacement",
     (("Drain, flush and refill cooling system", 60),), (("CLT", 2),)),
    ("Thermostat replacement", "Runs cold or overheats; temperature gauge erratic",
     (("Replace thermostat and gasket, bleed coolant", 90),), (("THM", 1), ("CLT", 1))),
    ("Timing belt and water pump", "Timing belt due by mileage",
     (("Replace timing belt, tensioner and water pump", 240),), (("WTP", 1), ("CLT", 2))),
    ("Battery replacement", "Slow crank; battery fails load test",
     (("Test charging system, replace battery", 30),), (("BAT", 1),)),
    ("Alternator replacement", "Battery light on; not charging",
     (("Replace alternator, test charging", 120),), (("ALT", 1),)),
    ("Starter replacement", "Clicks, will not crank",
     (("Replace starter motor", 90),), (("STA", 1),)),
    ("Serpentine belt replacement", "Squealing belt on start-up",
     (("Replace serpentine belt, inspect tensioner", 45),), (("BLT", 1),)),
    ("Spark plugs (4 cylinders)", "Tune-up due; rough idle",
     (("Replace spark plugs", 60),), (("SPK", 4),)),
    ("Engine and cabin air filters", "Filters due",
     (("Replace engine and cabin air filters", 30),), (("AIR", 1), ("CAB", 1))),
    ("Wiper blades", "Wipers smear",
     (("Replace front wiper blades", 15),), (("WIP", 2),)),
    ("Headlight bulbs (pair)", "Headlight out",
     (("Replace both low-beam bulbs, aim headlights", 30),), (("BUL", 2),)),
    ("Front shock absorbers", "Bouncy ride; shocks leaking",
     (("Replace front shock absorbers", 150), ("Four-wheel alignment", 60)),
     (("SHK", 2),)),
    ("Tie rod end and alignment", "Steering loose; uneven tyre wear",
     (("Replace outer tie rod end", 60), ("Four-wheel alignment", 60)), (("TIE", 1),)),
    ("CV axle replacement", "Clicking when turning",
     (("Replace CV axle assembly", 120),), (("CVA", 1),)),
    ("Wheel bearing and hub", "Humming that rises with speed",
     (("Replace wheel bearing and hub assembly", 90),), (("WHB", 1),)),
    ("TPMS sensors (set of 4)", "Tyre pressure light stays on",
     (("Replace TPMS sensors, relearn", 60),), (("TPM", 4),)),
)
