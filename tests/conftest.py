from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

# CI replays the same 200 examples per property on every run (derandomize), so a submission's result is
# reproducible; the random exploration happens in the soak (HYPOTHESIS_PROFILE=soak, bench/soak).
settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("soak", max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
# The soak without shrinking (a long failing sequence can take longer to shrink than to find): prints the
# @reproduce_failure blob so the failure can be replayed and traced.
settings.register_profile("soak_noshrink", parent=settings.get_profile("soak"), print_blob=True,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
