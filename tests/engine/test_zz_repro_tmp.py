from hypothesis import reproduce_failure
import test_state_machine_series as sm
from syncore.testing.invariants import with_occurrences
from syncore import Kind, Side

class M(sm.SeriesSyncMachine):
    def _apply(self, kind, plan, started, engine, *, recheck=False):
        if kind is Kind.EVENT:
            print("PLAN", [(op.target.value, op.action.value, op.target_id, op.source_id, op.reason[:60]) for op in plan.operations])
            print("  SKIPS", [(s.native_id, s.reason[:80]) for s in plan.skipped])
            print("  PAIRS", sorted((p.pim_id, p.crm_id) for p in self.state.iter_pairs("default", Kind.EVENT)))
        r = super()._apply(kind, plan, started, engine, recheck=recheck)
        if kind is Kind.EVENT:
            print("  AFTER CRM", sorted(self.crm.records(Kind.EVENT)))
        return r
    def check_converged(self, kind):
        try:
            super().check_converged(kind)
        except AssertionError:
            pairs = list(self.state.iter_pairs(self.settings.profile, kind))
            recs = with_occurrences(pairs, {s: self.sides[s].records(kind) for s in Side})
            for side in Side:
                gone = {p.id_on(side) for p in pairs} - set(recs[side])
                print("GONE", side, gone, [ (p.pim_id, p.crm_id) for p in pairs if p.id_on(side) in gone])
            print("PIM", {i: (r.subject, getattr(r,'recurrence',None)) for i, r in self.pim.records(kind).items()})
            print("CRM", {i: (r.subject, getattr(r,'recurrence',None) and r.recurrence.rule) for i, r in self.crm.records(kind).items()})
            raise

T = M.TestCase
T.runTest = reproduce_failure('6.170.17', b'AXicTVNbUsMwDJQcu26SktJSCh0++s8t1F6eL4ZzMHAHdiW7dPKwLEsraSWLqapYNrVkgw1i7/Yk2EEpeC1JHECsl/ptGyvYKL4VfqKWaeDGB/q5tBXbiK2EKJBHl6F/dWSGIoBe6q/NNhF2srPD4HCtNgk/N+NXxHaAIFrpmMCvHdPXgakC8gcOZ+mY6k8GnlejQIHwHDkD6dGjCAuH/kHt6IFaYLqw8hX5UPdPfggUK9ho+2cXhhaDlmFHvcQ2FANX52DwN4QinvrnLbQEQQTVOPuyavuGnmCHTzrXk7R21fs+QHUKbkjGjEfR3OU6fxw9LCAq7HomJZIRcW41aEne3xvL2lqCGDEL3GRaAWAtwWDuVM4uHG+shcshEHr12oUkEgWpN5Id8W4WQEUBb8ZBzexGpu2CHtAB4ReeSB8zUDK3HNR5WNhGrC9q+06hRwjCMFw1Rv3UhhnmpZUV1ES+mCMX2ZOxZbpjFj5eowTrCNuv0Lqtnh9W10u7WlHr/zS0gpNt7wpmrzFFoyJXXAq/F/Sr1m7bH4ATc1c=')(T.runTest)
