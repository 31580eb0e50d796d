"""Framework declarations: indicators, measures and rule kinds, as frozen pydantic models.

A framework file (YAML) is validated against these models; ``xlperf framework-schema`` publishes
their JSON schema. Nothing here computes: execution lives in :mod:`xlperf.engine.rules`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xlperf.expr import parse
from xlperf.framework.form import NAME_RE, Form
from xlperf.framework.practices import Practices
from xlperf.framework.report import ReportSpec

__all__ = [
    "Band",
    "BandsRule",
    "Bounds",
    "Cap",
    "CapBand",
    "ChecklistItem",
    "ChecklistRule",
    "DeductionRule",
    "EitherRule",
    "ExtraInput",
    "Framework",
    "Indicator",
    "JudgedRule",
    "LinearRule",
    "Measure",
    "OverrideRule",
    "PenaltyRule",
    "Rounding",
    "Rule",
    "ScheduleRule",
    "SumRule",
    "Tier",
    "TiersRule",
]

def _check_expr(value: str) -> str:
    parse(value)
    return value


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _RuleBase(_Model):
    points: Decimal = Field(ge=0, description="maximum score of this rule (or part)")
    label: str | None = Field(None, description="Chinese label of a part, shown in explanations")


class LinearRule(_RuleBase):
    """Ratio scored linearly: score = measure × factor, capped, zeroed by a condition."""

    kind: Literal["linear"]
    measure: str
    factor: Decimal = Field(description="points per 100% of the measure")
    zero_if: str | None = Field(None, description="expression; when true the part scores 0")
    zero_if_text: str | None = None

    _v = field_validator("zero_if")(lambda v: v if v is None else _check_expr(v))
    _m = field_validator("measure")(_check_expr)


class Bounds(_Model):
    """An interval of a measure: lower and upper edges (either may be open-ended) and their inclusivity."""

    lower: Decimal | None = None
    lower_inclusive: bool = True
    upper: Decimal | None = None
    upper_inclusive: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError("档位下限大于上限")
        return self


class Band(Bounds):
    score: Decimal = Field(ge=0)


class BandsRule(_RuleBase):
    """Ratio scored by bands; edges and their inclusivity are data."""

    kind: Literal["bands"]
    measure: str
    bands: list[Band] = Field(min_length=1)
    otherwise: Decimal = Decimal(0)

    _m = field_validator("measure")(_check_expr)

    @model_validator(mode="after")
    def _scores_within_points(self) -> BandsRule:
        if any(b.score > self.points for b in self.bands) or self.otherwise > self.points:
            raise ValueError("档位得分超过本项分值")
        return self


_FLOOR = ("lowest score, ≥ 0: every score is clamped to [0, points], so a 扣分项 that lowers the total below its "
          "parts cannot be written as a negative floor")


class DeductionRule(_RuleBase):
    """Points minus a deduction per unit the measure is over (or under) a threshold, with a floor."""

    kind: Literal["deduction"]
    measure: str
    threshold: Decimal
    direction: Literal["over", "under"] = "over"
    unit: Decimal = Field(Decimal("0.01"), gt=0, description="size of one unit, e.g. 0.01 = one percentage point")
    per_unit: Decimal = Field(gt=0, description="points deducted per unit")
    units: Literal["exact", "floor", "ceil"] = Field(
        "exact", description="how partial units count: proportionally, only whole units, or any started unit")
    floor: Decimal = Field(Decimal(0), ge=0, description=_FLOOR)

    _m = field_validator("measure")(_check_expr)


class PenaltyRule(_RuleBase):
    """Fixed points minus a penalty per counted event (non-compliance, missed task), floor 0."""

    kind: Literal["penalty"]
    count: str = Field(description="expression giving the number of events")
    per: Decimal = Field(gt=0)
    count_label: str | None = None
    floor: Decimal = Field(Decimal(0), ge=0, description=_FLOOR)

    _v = field_validator("count")(_check_expr)


class Tier(_Model):
    label: str
    score: Decimal = Field(ge=0)


class TiersRule(_RuleBase):
    """A tier chosen by the department (e.g. 按规定公开 / 公开但不规范 / 未公开) gives fixed points."""

    kind: Literal["tiers"]
    input: str
    tiers: list[Tier] = Field(min_length=2)
    default: Decimal = Decimal(0)

    @model_validator(mode="after")
    def _scores_within_points(self) -> TiersRule:
        if any(t.score > self.points for t in self.tiers) or self.default > self.points:
            raise ValueError("档位得分超过本项分值")
        labels = [t.label for t in self.tiers]
        if len(set(labels)) != len(labels) or any("," in x for x in labels):
            raise ValueError("档位名称不能重复，也不能含逗号")
        return self


class ChecklistItem(_Model):
    text: str
    points: Decimal = Field(gt=0)
    input: str | None = Field(None, description="judged answer (points awarded, 0..points)")
    when: str | None = Field(None, description="condition on the data that earns the item's points")

    @model_validator(mode="after")
    def _one_source(self) -> ChecklistItem:
        if (self.input is None) == (self.when is None):
            raise ValueError("清单条目须且只能指定 input（评判）或 when（条件）之一")
        if self.when is not None:
            _check_expr(self.when)
        return self


class ChecklistRule(_RuleBase):
    """Judged sub-criteria with points each; the sum is capped at the points."""

    kind: Literal["checklist"]
    items: list[ChecklistItem] = Field(min_length=1)


class JudgedRule(_RuleBase):
    """A judged score given by the department, clamped to [0, points]."""

    kind: Literal["judged"]
    input: str


class SumRule(_RuleBase):
    """The sum of sub-rules (each with its own points), capped at the points."""

    kind: Literal["sum"]
    parts: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _parts_fit(self) -> SumRule:
        if sum((p.points for p in self.parts), Decimal(0)) > self.points:
            raise ValueError("各部分分值之和超过本项分值")
        return self


class OverrideRule(_RuleBase):
    """When a condition holds the indicator scores a fixed value (0 or full), else the inner rule."""

    kind: Literal["override"]
    when: str
    value: Literal["zero", "full"]
    when_text: str
    rule: Rule

    _v = field_validator("when")(_check_expr)


class EitherRule(_RuleBase):
    """二者择其一: when the condition holds the first part scores the indicator, otherwise the second
    (e.g. a department with projects is scored on project completion, one without on its work plan)."""

    kind: Literal["either"]
    when: str = Field(description="condition choosing the first part (else the second)")
    when_text: str = Field(description="Chinese wording of the choice, shown in explanations")
    parts: list[Rule] = Field(min_length=2, max_length=2)

    _v = field_validator("when")(_check_expr)

    @model_validator(mode="after")
    def _parts_fit(self) -> EitherRule:
        if any(p.points > self.points for p in self.parts):
            raise ValueError("二者择其一的每一部分分值都不能超过本项分值")
        return self


class ScheduleRule(_RuleBase):
    """Quarterly execution against the schedule (序时进度).

    For quarter n: rate_n = (paid_n / total) / schedule_n, scoring min(rate_n, cap) × quarter_points;
    plus the mean of the (capped) quarterly rates × average_points.
    """

    kind: Literal["schedule"]
    paid: list[str] = Field(min_length=1)
    total: str
    schedule: list[Decimal] = Field(min_length=1)
    quarter_points: Decimal = Field(gt=0)
    average_points: Decimal = Field(ge=0)
    cap: Decimal | None = Field(Decimal(1), description="cap on each quarterly rate before scoring; null = none")
    measure_prefix: str = Field(description="quarter rates become measures <prefix>_q1.., and <prefix>_avg")

    _e = field_validator("total")(_check_expr)

    @field_validator("paid")
    @classmethod
    def _paid_exprs(cls, value: list[str]) -> list[str]:
        for item in value:
            _check_expr(item)
        return value

    @model_validator(mode="after")
    def _shape(self) -> ScheduleRule:
        if len(self.paid) != len(self.schedule):
            raise ValueError("paid 与 schedule 的个数必须相同")
        if any(s <= 0 for s in self.schedule):
            raise ValueError("序时进度必须大于 0")
        return self


# typing.Union, not X | Y: docs/framework-reference.md shows a Union as "one of (…)" (render/docs.py).
Rule = Annotated[
    Union[  # noqa: UP007
        LinearRule, BandsRule, DeductionRule, PenaltyRule, TiersRule, ChecklistRule, JudgedRule, SumRule,
        OverrideRule, EitherRule, ScheduleRule,
    ],
    Field(discriminator="kind"),
]
SumRule.model_rebuild()
OverrideRule.model_rebuild()
EitherRule.model_rebuild()


class Measure(_Model):
    """A named rate: num / den rounded to the framework's rate decimals (den 0 → den_zero)."""

    id: str
    name: str
    num: str
    den: str
    den_zero: Decimal = Field(Decimal(0), description="value of the rate when the denominator is 0")
    den_zero_num_positive: Decimal | None = Field(
        None, description="value when the denominator is 0 but the numerator is not (default: den_zero)")
    note: str | None = None

    _v = field_validator("num", "den")(_check_expr)


class ExtraInput(_Model):
    """A judged count or yes/no flag answered on the scoring sheet beside its indicator."""

    name: str = Field(pattern=NAME_RE.pattern)
    label: str
    kind: Literal["count", "flag"] = "count"


MAX_CAP_BANDS = 30


class CapBand(Bounds):
    """A band of a cap's measure (edges as in a bands rule: lower inclusive, upper exclusive by default)."""

    cap: Decimal = Field(ge=0, description="the most the target may score while the measure is in this band")


class Cap(_Model):
    """A cap on the total (or on one indicator) by the band a measure falls in, applied after the target's
    score is computed (a leaf's after clamping and rounding, a branch's and the total's after summing), e.g.
    the 预算管理一体化 platform's "execution rate in [70%, 80%) → total at most 89". Bands are tried in order; the first that
    holds caps the target; in no band the target is not capped. A branch's and the total's self-assessed sum
    is capped alike (a leaf's typed self-score is compared with its capped score: XP402)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="stable id, lower-case ASCII (extends merges caps by it)")
    name: str = Field(description="Chinese name shown in explanations and findings")
    target: str = Field("total", description="total (the total score) or an indicator id (leaf or branch)")
    measure: str = Field(description="expression whose band decides the cap, e.g. exec_rate")
    bands: list[CapBand] = Field(min_length=1, max_length=MAX_CAP_BANDS,
                                 description="at most 30: the sheet nests one IF per band (Excel allows 64)")
    criteria: str | None = Field(None, description="the rule as the region words it (shown in findings)")

    _m = field_validator("measure")(_check_expr)


class Rounding(_Model):
    rate_decimals: int = Field(4, ge=0, le=8, description="rates are rounded to this many decimals (4 = 0.01%)")
    score_decimals: int = Field(2, ge=0, le=4)
    mode: Literal["half_up"] = "half_up"


class Indicator(_Model):
    id: str
    name: str
    points: Decimal = Field(ge=0)
    description: str | None = Field(None, description="指标说明")
    criteria: str | None = Field(None, description="评分标准 as written in the framework")
    rule: Rule | None = None
    children: list[Indicator] = Field(default_factory=list)

    @model_validator(mode="after")
    def _leaf_or_branch(self) -> Indicator:
        if self.children and self.rule is not None:
            raise ValueError(f"指标 {self.id} 不能同时有下级指标和评分规则")
        if not self.children and self.rule is None:
            raise ValueError(f"末级指标 {self.id} 缺少评分规则 rule")
        if self.children:
            total = sum((c.points for c in self.children), Decimal(0))
            if total != self.points:
                raise ValueError(f"指标 {self.id} 分值 {self.points} 不等于下级指标分值之和 {total}")
        elif self.rule is not None and self.rule.points != self.points:
            raise ValueError(f"指标 {self.id} 的评分规则分值 {self.rule.points} 与指标分值 {self.points} 不一致")
        return self


class Decision(_Model):
    """A documented choice on something the framework text leaves open."""

    topic: str
    decision: str


class Framework(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    name: str
    region: str
    year: int
    total_points: Decimal = Decimal(100)
    rounding: Rounding = Rounding()
    decisions: list[Decision] = Field(default_factory=list)
    practices: Practices = Field(default_factory=Practices, description="the region's review practices "
                                                                        "(which checks apply and how)")
    measures: list[Measure] = Field(default_factory=list)
    extra_inputs: list[ExtraInput] = Field(default_factory=list)
    form: Form = Field(default_factory=Form, description="the data-collection form: inputs, tables, "
                                                         "derived and stated figures, audit rules, layout")
    indicators: list[Indicator] = Field(min_length=1)
    caps: list[Cap] = Field(default_factory=list, description="caps on the total or an indicator by a "
                                                              "measure's bands (applied after aggregation)")
    report: ReportSpec | None = Field(None, description="the 绩效自评报告 the region prescribes: outline, tables, "
                                                        "paragraph templates, text lexicon and text rules")

    @model_validator(mode="after")
    def _totals(self) -> Framework:
        total = sum((i.points for i in self.indicators), Decimal(0))
        if total != self.total_points:
            raise ValueError(f"一级指标分值之和 {total} 不等于总分 {self.total_points}")
        ids = [i.id for i in self.walk()]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"指标编号重复：{', '.join(dupes)}")
        for ind in self.walk():
            if not NAME_RE.match(ind.id) and not re.match(r"^[a-z][a-z0-9]*$", ind.id):
                raise ValueError(f"指标编号 {ind.id!r} 只能用小写字母、数字和下划线")
        if "total" in ids:
            raise ValueError("指标编号不能是 total（总分的名称 score_total、self_total 已占用）")
        self._check_caps()
        return self

    def _check_caps(self) -> None:
        points = {i.id: i.points for i in self.walk()} | {"total": self.total_points}
        seen: set[str] = set()
        for cap in self.caps:
            if cap.id in seen:
                raise ValueError(f"封顶规则编号 {cap.id} 重复")
            seen.add(cap.id)
            if cap.target not in points:
                raise ValueError(f"封顶规则 {cap.id} 的 target {cap.target!r} 既不是 total，也不是指标编号")
            for band in cap.bands:
                if band.cap > points[cap.target]:
                    raise ValueError(f"封顶规则 {cap.id} 的封顶分 {band.cap} 超过对象的分值 {points[cap.target]}")
                exponent = band.cap.normalize().as_tuple().exponent
                if isinstance(exponent, int) and -exponent > self.rounding.score_decimals:
                    raise ValueError(f"封顶规则 {cap.id} 的封顶分 {band.cap} 的小数位数多于得分的 "
                                     f"{self.rounding.score_decimals} 位（rounding.score_decimals）")

    def walk(self) -> list[Indicator]:
        """All indicators, depth first, parents before children."""
        out: list[Indicator] = []

        def visit(items: list[Indicator]) -> None:
            for item in items:
                out.append(item)
                visit(item.children)

        visit(self.indicators)
        return out

    def leaves(self) -> list[Indicator]:
        return [i for i in self.walk() if not i.children]

    def get(self, indicator_id: str) -> Indicator:
        for ind in self.walk():
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)
