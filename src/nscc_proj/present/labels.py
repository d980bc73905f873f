"""Every word nscc shows a reader, in English and Chinese: one catalogue.

The terminal, the report's HTML and ``summary.md``, its charts and its workbook all
take their words from here, so a label reads the same everywhere and a test can check
that each one exists in both languages with the same ``{fields}``. The status colours
live here too: a status looks the same in a chart, a table cell and a workbook.
Standard library only, so any layer may use it.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "zh"]

# name -> (English, Chinese). Names with a dot are families read by code:
# ``status.<outcome>``, ``schedule.<schedule>``, ``sdg.<progress_status>``,
# ``need_unit.<need_unit>``, ``sheet.<sheet>``, ``scenario.<shipped scenario name>``,
# ``grade.<grade>``, ``growth_group.<need unit of a growth chart panel>``. Chinese text
# takes full-width punctuation (：，；（）), a test checks it.
LABELS: dict[str, tuple[str, str]] = {
    "id": ("#", "#"),
    "indicator": ("Indicator", "指标"),
    "milestone": ("Year", "年份"),
    "target": ("Target", "目标"),
    "projected": ("Projected", "预测值"),
    "value": ("Value", "数值"),
    "outcome": ("Path", "情景结果"),
    "schedule": ("To date", "进度"),
    "sdg": ("Open SDG", "Open SDG 进展"),
    "need": ("Need/yr now", "当前所需年均"),
    "evidence": ("Data", "数据"),
    "met": ("Met", "达标"),
    "gap": ("Gap", "差距"),
    "gap_rel": ("Gap %", "差距%"),
    "gap_bar": ("", ""),
    "required": ("Need/yr", "所需年均"),
    "scenario_rate": ("Path/yr", "情景年均"),
    "status": ("Status", "状态"),
    "first_met": ("Met in", "达标年"),
    "from": ("From", "起始年"),
    "to": ("To", "目标年"),
    "from_value": ("From value", "起始值"),
    "change": ("Change /yr", "年均增量"),
    "key": ("Key", "代码"),
    "unit": ("Unit", "单位"),
    "kind": ("Kind", "类型"),
    "direction": ("Dir.", "方向"),
    "base": ("Base", "基期"),
    "scenario": ("Scenario", "情景"),
    "catalog_title": ("{count} indicators ({source})", "{count} 项指标（{source}）"),
    "required_title": ("Required growth", "目标所需增速"),
    "required_latest_title": (
        "Required growth from the latest observation",
        "自最新观测值起的目标所需增速",
    ),
    "from_base": ("From base/yr", "自基期"),
    "harder_by": ("Harder by", "难度增加"),
    "grade": ("Grade", "来源等级"),
    "targets_met": (
        "{met} of {assessable} assessable targets met",
        "{assessable} 项可评估目标中 {met} 项达标",
    ),
    "as_of_title": ("Scenario: {scenario} · as of {as_of}", "情景：{scenario} · 截至 {as_of} 年"),
    "rest_on_nothing": (
        "{count} of {met} met targets rest on no observation since the base year (†)",
        "{met} 项达标目标中 {count} 项自基期以来无观测值（†）",
    ),
    "dashboard_key": (
        "obs = observed, est = estimated (a passed milestone without data: the scenario's "
        "value). To date: completion / time elapsed (ahead or behind schedule). Need/yr now: "
        "from the latest value, % a year for levels, pt for shares, places for ranks, the "
        "rate the rest of the period needs for growth-rate targets.",
        "obs = 观测值，est = 估计值（已过期但无数据：情景值）。"
        "进度：完成进度/时序进度（超前或滞后）。当前所需年均：自最新值起，水平值为年均增速，比重为年均百分点，排名为年均位次，"
        "增速目标为剩余年份所需平均增速。",
    ),
    "not_assessable_note": (
        "{count} targets not assessable (no base value)",
        "{count} 项目标无法评估（缺少基期值）",
    ),
    # Column headers of the report's workbook and tables (``nscc report``).
    "as_of": ("As of", "截至年份"),
    "evidence_long": ("Evidence", "依据"),
    "latest_year": ("Latest year", "最新数据年份"),
    "latest_value": ("Latest value", "最新值"),
    "latest_grade": ("Latest grade", "最新数据等级"),
    "progress_status": ("Progress (Open SDG)", "进展（Open SDG 方法）"),
    "completion_progress": ("Completion", "完成进度"),
    "time_progress": ("Time elapsed", "时序进度"),
    "schedule_long": ("Schedule", "进度判断"),
    "need_per_year": ("Need a year", "每年所需"),
    "need_unit": ("Need unit", "所需单位"),
    "already_met": ("Met on the data", "已按数据达标"),
    "outcome_long": ("Scenario outcome", "情景结果"),
    "base_year": ("Base year", "基期年份"),
    "base_value": ("Base value", "基期值"),
    "target_op": ("Op", "比较"),
    "growth_basis": ("Growth basis", "增长设定"),
    "year": ("Year", "年份"),
    "observed": ("Observed", "观测值"),
    "source": ("Source", "来源"),
    "note": ("Note", "备注"),
    "domain": ("Domain", "领域"),
    "name_zh": ("Name (Chinese)", "中文名称"),
    "name_en": ("Name (English)", "英文名称"),
    "domain_zh": ("Domain (Chinese)", "领域（中文）"),
    "domain_en": ("Domain (English)", "领域（英文）"),
    "tolerance": ("Tolerance", "容差"),
    "targets": ("Targets", "目标数"),
    "missed": ("Missed", "未达标"),
    "not_assessable": ("Not assessable", "无法评估"),
    "met_share": ("Share met", "达标比例"),
    "field": ("Field", "项目"),
    "description": ("Description", "说明"),
    "file": ("File", "文件"),
    "code": ("Column", "列代码"),
    "english": ("English", "英文"),
    "chinese": ("Chinese", "中文"),
    "grade_share": ("Values", "观测值个数"),
    # Headings and chart labels of the report.
    "report_title": ("Scenario projections of the plan's targets", "规划目标情景预测报告"),
    "summary_title": ("Executive summary", "摘要"),
    "met_by_scenario": ("Targets met", "目标达成情况"),
    "met_by_domain": ("Targets met per domain", "各领域目标达成情况"),
    "largest_gaps": ("Five largest gaps", "差距最大的五项目标"),
    "growth_title": ("Required vs. scenario growth", "所需增速与情景增速"),
    "heatmap_title": ("Status of every target", "各目标状态"),
    "domains_title": ("Domains", "分领域结果"),
    "methodology": ("Methodology", "方法说明"),
    "sources_title": ("Data sources and grades", "数据来源与等级"),
    "scenarios_title": ("Scenarios", "情景"),
    "all_domains": ("All domains", "全部领域"),
    "no_path": ("no base value: not projected", "无基期值，无法预测"),
    "milestone_targets": ("{milestone} targets", "{milestone}年目标"),
    "annual_growth": ("Average annual growth", "年均增速"),
    "required_marker": ("need", "所需"),
    "met_missed_cell": ("{met} of {assessable}", "{met}/{assessable}"),
    "inputs_line": (
        "As of {as_of}: milestones up to {as_of} are judged on the data (observed) or, without "
        "data, on the scenario (estimated). Scenarios: {scenarios}. Indicator table: {table}. "
        "Observed values: {observed}.",
        "截至 {as_of} 年：{as_of} 年及以前的目标按数据判定（观测），无数据的按情景值估计（估计）。"
        "情景：{scenarios}。指标表：{table}。观测值：{observed}。",
    ),
    "none": ("none", "无"),
    "observed_count": ("{source}, {count} values", "{source}，{count} 个"),
    # Labels of the report (HTML, summary.md, charts).
    # The growth chart: the table "Need/yr from now" drawn, one axis per unit of a need.
    "growth_chart_title": (
        "Need a year from the latest value vs. each scenario's pace, as of {as_of}",
        "自最新值起的年均所需与各情景年均变化（截至 {as_of} 年）",
    ),
    "growth_chart_basis": (
        "From the latest value to each milestone, as in the table “{table}”; a growth-rate "
        "target: the average rate its years left need",
        "自最新值起至各目标年，与“{table}”表相同；增速目标为余下年份所需的平均增速",
    ),
    "growth_chart_direction": (
        "Counted in the good direction (↓ lower is better: drawn mirrored): a dot right of "
        "the need is on track",
        "按有利方向计（↓ 越低越好，已镜像）：圆点位于所需标记右侧即可达标",
    ),
    "growth_group.rate": ("% a year", "年均增速（%）"),
    "growth_group.points": ("points a year", "年均百分点"),
    "growth_group.places": ("places a year", "年均位次"),
    "need_met_marker": (
        "need, met on the data: the most it may move the wrong way",
        "所需（已按数据达标：可承受的最大反向变化）",
    ),
    "settled_marker": ("observed", "已有观测"),
    # An indicator chart: the y axis of a rank, and a path drawn under base's.
    "rank_axis": ("rank (1 = best; better is up)", "位次（1 为最优，越靠上越好）"),
    "same_as_base": ("{scenario} (= {base})", "{scenario}（与{base}重合）"),
    "data_to": ("data to {year} · projected →", "数据至 {year} 年 · 其后为预测 →"),
    "obs": ("obs", "观测"),
    "est": ("est", "估计"),
    "nowcast": ("now", "估计"),
    "latest": ("Latest (year, grade)", "最新值（年份，等级）"),
    "need_now": ("Need/yr from now", "自今年均所需"),
    "pace_now": ("{scenario}/yr", "{scenario} 年均"),
    "value_at": ("{scenario}: value", "{scenario}：数值"),
    "outcome_at": ("{scenario}: outcome", "{scenario}：情景结果"),
    "probability_at": ("{scenario}: P(met)", "{scenario}：达标概率"),
    "title_shipped": (
        "Shenyang, National Central City plan: the targets as of {as_of}",
        "《沈阳建设国家中心城市行动纲要》指标：截至 {as_of} 年的评估与情景预测",
    ),
    "title_table": (
        "The targets of {table} as of {as_of}",
        "{table} 指标：截至 {as_of} 年的评估与情景预测",
    ),
    "headline_title": ("The verdict", "结论"),
    "passed_sentence": (
        "{milestone} targets (passed): {met} met and {missed} missed on the data (observed); "
        "{estimated} without a {milestone} figure yet are estimated from the scenarios{split}.",
        "{milestone} 年目标（已到期）：按实际数据（观测）{met} 项达标、{missed} 项未达标；"
        "{estimated} 项尚无 {milestone} 年数据，按情景估计{split}。",
    ),
    "passed_split": (" ({parts} of them met)", "（其中达标：{parts}）"),
    "future_sentence": (
        "{milestone} targets on each path: {parts}.",
        "{milestone} 年目标按各情景：{parts}。",
    ),
    "meets_of": ("{scenario} meets {met} of {assessable}", "{scenario} 达标 {met}/{assessable}"),
    "list_sep": (", ", "，"),
    "shortfall_sentence": (
        "Largest shortfalls on the {scenario} path: {parts}.",
        "{scenario} 情景下差距最大：{parts}。",
    ),
    "need_sentence": ("From now they need: {parts}.", "自今起年均所需：{parts}。"),
    "blind_sentence": (
        "{count} of the {met} targets the {scenario} path meets rest on no observation since "
        "the base year (†).",
        "{scenario} 情景下达标的 {met} 项目标中，{count} 项自基期以来无观测值（†）。",
    ),
    "no_data_yet": ("none", "无"),
    # The verdict table (present/verdict.py): one row per indicator, its legend under it.
    "verdict_table_title": ("Every target at a glance", "各项指标一览"),
    "target_in": ("{milestone} target", "{milestone} 年目标"),
    "verdict_in": ("{milestone} verdict", "{milestone} 年判定"),
    "projected_in": ("{scenario} {milestone}", "{scenario} {milestone} 年"),
    "need_to": ("Need/yr to {milestone}", "至 {milestone} 年年均所需"),
    "pace_to": ("{scenario}/yr to {milestone}", "{scenario}至 {milestone} 年年均"),
    "probability_in": ("P(met) {milestone}: {scenarios}", "{milestone} 年达标概率：{scenarios}"),
    "chance_in_cell": ("P {p}", "概率 {p}"),
    "verdict_probability_note": (
        "P: the probability that a path meets the target, the share of {paths} simulated paths "
        "that do; obs: settled by the observation; now: a passed milestone without data (a "
        "nowcast).",
        "概率：情景路径达标的概率，即 {paths} 条模拟路径中达标的比例；观测：已由实际数据判定；"
        "估计：已到期但无数据（即时估计）。",
    ),
    "icon_note": (
        "First column: the {scenario} path's outcome for {milestone} (✓ {met}; ✗ {missed}, "
        "yellow, or {far_off}, orange; ↘ {moving_away}; – {not_assessable}: no base value).",
        "首列：{scenario}情景下 {milestone} 年目标的结果（✓ {met}；✗ {missed}（黄）或"
        "{far_off}（橙）；↘ {moving_away}；– {not_assessable}：无基期值）。",
    ),
    "verdict_note": (
        "{milestones} verdict: on the data where the year is observed (obs); without a figure "
        "for the year, the {scenario} path's estimate (est).",
        "{milestones} 年判定：有当年数据的按数据判定（观测）；"
        "尚无当年数据的，按{scenario}情景估计（估计）。",
    ),
    "pace_note": (
        "Need/yr: what the target needs a year from the latest value, in the indicator's own "
        "unit; {scenario}/yr: the {scenario} path's own pace from the same value, in the same "
        "unit.",
        "年均所需：目标自最新值起每年所需，以指标自身单位计；{scenario}年均：{scenario}情景"
        "自同一数值起的年均变化，单位相同。",
    ),
    "key_note": (
        "obs: the milestone's value is an observation, and the verdict is on the data. est: a "
        "passed milestone without data, estimated from the scenario. †: no observation since "
        "the base year. To date: completion against time elapsed (完成进度/时序进度), ahead or "
        "behind schedule. Need/yr from now: from the latest value, % a year for levels and "
        "counts, points (pt) for shares and rates, places (pl) for ranks, and for growth-rate "
        "targets the rate the rest of the period needs. Outcome of a path, by its pace from the "
        "base year against the pace the target needs from there (not by the size of the gap): "
        "met; missed (at least {far_off:.0%} of the pace needed); too slow (under "
        "{far_off:.0%} of it); moving away (the wrong way).",
        "观测：该年数值为实际观测，按数据判定。估计：已到期但无数据，按情景值估计。†：自基期以来无观测值。"
        "进度：完成进度对时序进度，超前或滞后。自今年均所需：自最新值起，水平值与数量为年均增速，"
        "比重与比率为年均百分点，排名为年均位次，增速目标为剩余年份所需平均增速。"
        "情景结果按情景自基期起的年均速度与目标自基期起所需速度之比判定（与差距大小无关）："
        "达标；未达标（速度达到所需的 {far_off:.0%} 及以上）；速度明显不足（不足所需的 "
        "{far_off:.0%}）；背离目标（方向相反）。",
    ),
    "passed_note": (
        "Milestones up to {as_of} have passed: their verdicts are in the tables above.",
        "{as_of} 年及以前的目标已到期：其判定见上表。",
    ),
    "probabilities_title": (
        "Probability of meeting every target of a domain (Monte Carlo)",
        "各领域目标同时达标的概率（蒙特卡洛）",
    ),
    "all_targets": ("All targets", "全部目标"),
    "target_probabilities": ("Probability of each target", "各目标达标概率"),
    "all_milestones": ("all", "全部"),
    "probability_note": (
        "P(met): share of {paths} simulated paths that meet the target; obs: settled by the "
        "observation; now: a passed milestone without data (a nowcast).",
        "达标概率：{paths} 条模拟路径中达标的比例；观测：已由实际数据判定；"
        "估计：已到期但无数据（即时估计）。",
    ),
    "glyph_note": (
        "{count} characters of the names have no glyph in the chart fonts ({chars}): "
        "the charts show them as boxes",
        "名称中有 {count} 个字符在图表字体中没有字形（{chars}）：图中显示为方框",
    ),
    # Words of the consistency view and the simulation tables (terminal).
    "direction_key": ("↑ higher is better, ↓ lower is better", "↑ 越高越好，↓ 越低越好"),
    "ratios_title": ("Ratios the targets imply", "目标隐含的比率"),
    "ratio": ("Ratio", "比率"),
    "latest_observed": ("Latest", "最新观测"),
    "trend_year": ("Trend/yr", "观测趋势"),
    "implied_year": ("Implied/yr", "目标隐含"),
    "simulation_title": (
        "Scenario {scenario}: {paths} paths, seed {seed}, as of {as_of}",
        "情景 {scenario}：{paths} 条路径，seed {seed}，截至 {as_of} 年",
    ),
    "simulation_key": (
        "obs = judged on the observation (a probability of 0 or 1); now = a passed "
        "milestone without data: the probability is a nowcast.",
        "观测 = 按观测值判定（概率为 0 或 1）；现估 = 已过期但无数据，概率为现时估计（nowcast）。",
    ),
    "p_met": ("P(met)", "达标概率"),
    "exact": ("Exact", "解析值"),
    "joint_title": ("Joint probability of meeting every target", "所有目标同时达标的概率"),
    "sim_obs": ("obs", "观测"),
    "sim_now": ("now", "现估"),
    "met_prefix": ("met", "已达"),
    # The grade of an observation (``observed.GRADES``), as a reader sees it.
    "grade.A": ("A", "A"),
    "grade.B": ("B", "B"),
    "grade.B-derived": ("B-derived", "B推算"),
    "grade.C": ("C", "C"),
    # Status of a target on a path (the scenario's outcome); short, to fit a table cell.
    "status.met": ("met", "达标"),
    "status.missed": ("missed", "未达标"),
    "status.far_off": ("too slow", "速度明显不足"),
    "status.moving_away": ("moving away", "背离目标"),
    "status.not_assessable": ("n/a", "无法评估"),
    "schedule.achieved": ("achieved", "已实现"),
    "schedule.ahead": ("ahead", "超前"),
    "schedule.behind": ("behind", "滞后"),
    # Open SDG's progress names, shown only for milestones still ahead.
    "sdg.target_achieved": ("achieved", "已实现"),
    "sdg.on_track": ("on track", "按期可达"),
    "sdg.progress_needs_acceleration": ("accelerate", "需加速"),
    "sdg.limited_progress": ("limited", "进展有限"),
    "sdg.deterioration": ("worsening", "恶化"),
    # The unit of a need a year, after its number ("+7.50%", "+1.60 pt").
    "need_unit.rate": ("%", "%"),
    "need_unit.rate_remaining": ("% left", "%（余下）"),
    "need_unit.points": (" pt", "个百分点"),
    "need_unit.places": (" pl", "位"),
    # The workbook's sheets (Excel allows 31 characters and no []:*?/\\).
    "sheet.summary": ("Summary", "摘要"),
    "sheet.assessment": ("Assessment", "评估"),
    "sheet.required": ("Required growth", "所需增速"),
    "sheet.paths": ("Paths", "情景路径"),
    "sheet.observed": ("Observed", "观测值"),
    "sheet.indicators": ("Indicators", "指标"),
    "sheet.target_probabilities": ("Target probabilities", "各目标达标概率"),
    "sheet.domain_probabilities": ("Domain probabilities", "各领域达标概率"),
    "sheet.metadata": ("Metadata", "元数据"),
    # The shipped scenarios by name; a scenario of the user's own shows its own name.
    "scenario.base": ("base", "基准"),
    "scenario.high": ("high", "高增长"),
    "scenario.low": ("low", "低增长"),
    "scenario.shock": ("shock", "冲击"),
    # Words of the report added with the catalogue.
    "shipped": ("shipped", "随附"),
    "rank_unit": ("rank", "位次"),
    "chart_footer": (
        "Source: {source} · as of {as_of} · {date}",
        "来源：{source} · 截至 {as_of} 年 · {date}",
    ),
    "chart_source": ("{table}; observed values: {observed}", "{table}；观测值：{observed}"),
    "band_outline": ("{scenario} 5–95%", "{scenario} 5–95%"),
    "band_inner": ("{scenario} 25–75%", "{scenario} 25–75%"),
    "pdf_skipped": (
        "report.pdf not written: no Chromium found (install chromium to print one)",
        "未生成 report.pdf：未找到 Chromium（安装 chromium 后可生成 PDF）",
    ),
    "pdf_failed": ("report.pdf not written: {reason}", "未生成 report.pdf：{reason}"),
    # Headers of the Monte Carlo columns in the workbook.
    "scope": ("Scope", "范围"),
    "probability": ("P(met)", "达标概率"),
    "probability_se": ("Std. error", "标准误"),
    "probability_analytic": ("P(met), exact", "达标概率（解析）"),
    "deterministic": ("Deterministic", "确定性预测值"),
    "p5": ("5th percentile", "5% 分位数"),
    "p25": ("25th percentile", "25% 分位数"),
    "p50": ("Median", "中位数"),
    "p75": ("75th percentile", "75% 分位数"),
    "p95": ("95th percentile", "95% 分位数"),
    # The what-if panel (``whatif.py``).
    "whatif.title": ("What if: move the assumptions", "情景推演：调整增长假设"),
    "whatif.intro": (
        "Set the yearly growth of any series below (in the unit scenario {scenario} gives it, "
        "from the year after its latest observation) and the targets are recomputed at once, "
        "in this page, exactly as nscc projects them. Values after each box start at the "
        "scenario's; ↑ and ↓ mark targets that flip against it. The download is a scenario "
        "file that extends {scenario}: run it with nscc project --scenario FILE --as-of {as_of}.",
        "在下方调整任一序列的年增长（单位与情景 {scenario} 相同，自最新观测值的次年起），"
        "各项目标即在本页按 nscc 的同一算法重新计算。初始值为该情景的设定；↑ 与 ↓ 标出相对"
        "该情景改变达标与否的目标。下载的是继承 {scenario} 的情景文件，可用 "
        "nscc project --scenario 文件 --as-of {as_of} 运行。",
    ),
    "whatif.noscript": (
        "The what-if panel needs JavaScript, which this viewer has turned off.",
        "情景推演需要 JavaScript，当前浏览器已禁用。",
    ),
    "whatif.reset": ("Reset to the scenario", "恢复情景设定"),
    "whatif.download": ("Download this scenario as YAML", "下载此情景（YAML）"),
    "whatif.summary": (
        "{year}: {met} of {of} met (scenario: {scenario})",
        "{year}年：{of} 项中 {met} 项达标（原情景 {scenario} 项）",
    ),
    "whatif.now_met": ("now met (missed in the scenario)", "现已达标（原情景未达标）"),
    "whatif.now_missed": ("now missed (met in the scenario)", "现未达标（原情景达标）"),
    "whatif.context": ("Context series", "背景序列"),
    "whatif.from": ("from {year}", "{year}年起"),
    "whatif.scenario_steps": ("scenario: {steps}", "原情景：{steps}"),
    "whatif.pace": ("Path/yr now", "情景年均"),
    "whatif.need": ("Need/yr now", "所需年均"),
    "whatif.value": ("Value", "数值"),
    "whatif.outcome": ("Path", "情景结果"),
    "whatif.year": ("Year", "年份"),
    "whatif.target": ("Target", "目标"),
    "whatif.unit.rate": ("% a year", "%/年"),
    "whatif.unit.real": ("% a year, real", "%/年（实际）"),
    "whatif.unit.growth_rate": ("% (the yearly rate itself)", "%（当年增速）"),
    "whatif.unit.points": ("points a year", "个百分点/年"),
    "whatif.unit.places": ("places a year (negative is better)", "位/年（负值为进位）"),
    "whatif.unit.change": ("{unit} a year", "{unit}/年"),
    "whatif.unit.ratio_rate": ("ratio to {driver}: % a year", "与{driver}之比：%/年"),
    "whatif.unit.ratio_change": ("ratio to {driver}: points a year", "与{driver}之比：个百分点/年"),
    "whatif.unit.per_rate": ("count (per {driver}): % a year", "总量（每{driver}）：%/年"),
    "whatif.unit.per_change": (
        "count (per {driver}): {unit} a year",
        "总量（每{driver}）：{unit}/年",
    ),
    "whatif.fixed.rate_of": (
        "Read off {driver}'s growth each year: set {driver} instead.",
        "取{driver}的年增速：请调整{driver}。",
    ),
    "whatif.fixed.no_base": (
        "No value to grow from (no base value nor observation): not projected.",
        "无基期值或观测值，无法推算。",
    ),
    "whatif.fixed.observed": (
        "Observed to the last year: nothing left to set.",
        "已观测至末年，无可调整。",
    ),
    "whatif.fixed.deflator": (
        "Real growth, but the scenario's deflator does not cover {years}: fixed here.",
        "实际增长，但情景的价格指数未覆盖 {years}：此处不可调整。",
    ),
    # The workbook for analysts: the simulation's columns, and the Metadata sheet's fields
    # (shown as "English / 中文" whatever the report's language).
    "volatility_source": ("Volatility source", "波动率来源"),
    "volatility": ("Volatility a year", "年波动率"),
    "volatility_unit": ("Volatility unit", "波动率单位"),
    "anchor_error": ("Anchor error", "锚点测量误差"),
    "anchor_error_unit": ("Anchor error unit", "锚点误差单位"),
    "meta.data_source": ("data source {number}", "数据来源 {number}"),
    "meta.grade": ("observations of grade {grade}", "{grade} 级观测值个数"),
    "meta.vintage": ("observations, {vintage}", "观测值个数（{vintage}）"),
    "meta.volatility": ("volatility sources: {scenario}", "波动率来源：{scenario}"),
    "vintage.estimate": ("estimate", "预计数"),
    "vintage.preliminary": ("preliminary", "初步数"),
    "vintage.final": ("final", "最终数"),
}

# Colours of the statuses, shared by charts, HTML and workbook. Only a met target is
# green: every shade of a miss is warm.
STATUS_COLOURS = {
    "met": "#1A9641",
    "missed": "#FEE08B",
    "far_off": "#FDAE61",
    "moving_away": "#D7191C",
    "not_assessable": "#D9D9D9",
}


def label(name: str, lang: Lang) -> str:
    """The word ``name`` in ``lang``; a name missing from the catalogue is a bug (KeyError)."""
    english, chinese = LABELS[name]
    return chinese if lang == "zh" else english


def status_label(status: str, lang: Lang) -> str:
    return label(f"status.{status}", lang)


def grade_label(grade: str, lang: Lang) -> str:
    """An observation's grade as a reader sees it ("B-derived" reads 推算 in Chinese); a
    grade the catalogue does not know as written."""
    entry = LABELS.get(f"grade.{grade}")
    return grade if entry is None else entry[1 if lang == "zh" else 0]


def scenario_label(name: str, lang: Lang) -> str:
    """A scenario's name as a reader sees it: the shipped ones in Chinese in a Chinese
    report; any other name as written (it is what ``--scenario`` takes)."""
    entry = LABELS.get(f"scenario.{name}")
    return name if entry is None or lang == "en" else entry[1]


def source_text(source: str, lang: Lang) -> str:
    """A file the inputs came from, with "(shipped)" in ``lang``: the loaders mark the
    files nscc ships that way."""
    if source.endswith(" (shipped)"):
        name, shipped = source.removesuffix(" (shipped)"), label("shipped", lang)
        return f"{name}（{shipped}）" if lang == "zh" else f"{name} ({shipped})"
    return source


def light_colour(status: str) -> str:
    """The status colour mixed halfway with white, for table cells: dark fills hide text."""
    colour = STATUS_COLOURS[status].lstrip("#")
    channels = (int(colour[k : k + 2], 16) for k in (0, 2, 4))
    return "#" + "".join(f"{(value + 255) // 2:02X}" for value in channels)
