//! The catalogue of finding rules: every `rule` value that can appear in `findings`, with its
//! severity and meaning. The data dictionary is generated from this table.

use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; the numbers are not in doubt.
    Info,
    /// Something is missing, repaired or unusual; check before relying on the cells named.
    Warning,
    /// A number is wrong in the document, or the document could not be read.
    Error,
}

impl Severity {
    /// `info`, `warning`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The value of the `rule` column.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What the rule checks, for the data dictionary.
    pub description: &'static str,
}

const fn r(name: &'static str, severity: Severity, description: &'static str) -> Rule {
    Rule {
        name,
        severity,
        description,
    }
}

use Severity::{Error, Info, Warning};

/// Declares the catalogue once: each rule's constant (in [`name`]) and its entry of [`RULES`].
macro_rules! catalogue {
    ($($konst:ident = $name:literal, $sev:ident, $desc:expr;)*) => {
        /// Every rule's name as a constant: code that emits a finding names its rule by one of
        /// these, so a misspelt rule is a compile error (never a finding of an unknown rule).
        pub mod name {
            $(
                #[doc = concat!("The rule `", $name, "`.")]
                pub const $konst: &str = $name;
            )*
        }

        /// Every rule, grouped by the stage that emits it.
        pub const RULES: &[Rule] = &[$(r($name, $sev, $desc),)*];
    };
}

catalogue! {
    // validation: identities
    S3_BALANCE = "s3_balance", Error, "Part 三, per applicant column: 一、新收 + 二、上年结转 = （七）总计 + 四、结转下年度.";
    S3_RESULTS_SUM = "s3_results_sum", Error, "Part 三, per applicant column: （七）总计 = the sum of every outcome row （一）…（六）.";
    S3_ROW_TOTAL = "s3_row_total", Error, "Part 三, per row: 总计 = 自然人 + the five 法人或其他组织 columns.";
    S3_OTHER_GROUP = "s3_other_group", Error, "Part 三, per column: （六）其他处理 given as a row equals the sum of its items 1.–3.";
    S4_ROW_TOTAL = "s4_row_total", Error, "Part 四, per proceeding: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结.";
    // validation: values
    NEGATIVE_VALUE = "negative_value", Error, "A count or amount is below zero (only 本年增/减 may be negative).";
    NON_INTEGER_COUNT = "non_integer_count", Error, "A count column holds a number with a fraction.";
    AMOUNT_UNIT = "amount_unit", Warning, "An amount is written in another unit than 万元: in the 万元 fee column (`amount_10k_yuan`, by its header `（单位：元）`, `（元）`, `（单位：千元）`, a unit note of part 二 such as `（单位：人民币元）`, or a cell like `8188900元`) it is converted to 万元; in other amount columns (e.g. `251000元`) it is kept as written.";
    PROSE_MISMATCH = "prose_mismatch", Warning, "A number stated in part 一 (申请 received, 予以公开, 无法提供, 行政复议, 均获维持 …) contradicts the table cells it summarises.";
    // validation: completeness and plausibility
    MISSING_SECTION = "missing_section", Warning, "One of the parts 一 to 六 was not found.";
    MISSING_TABLE = "missing_table", Warning, "A statistical table (part 二, 三 or 四) was not found; its cells are null with status `missing`.";
    MISSING_PUBLISHED_ON = "missing_published_on", Info, "No signing or publication date was found at the end of the report or in the page's metadata; `published_on` is null.";
    PUBLISHED_ON_IMPLAUSIBLE = "published_on_implausible", Warning, "The signing date lies before the end of the reporting year (a report for year Y is signed after 31 December of Y).";
    YEAR_CONFLICT = "year_conflict", Warning, "The title's year and the 统计期限 sentence's year differ; `report_year` keeps the title's.";
    DECODING_DAMAGED = "decoding_damaged", Warning, "The document is UTF-8 with a few invalid byte sequences; they are replaced by U+FFFD (encoding `UTF-8 (invalid bytes replaced)`), and a number beside one may be incomplete.";
    PAGE_METADATA = "page_metadata", Info, "A saved web page's own metadata (`<meta name=ArticleTitle/PubDate/ContentSource/SiteName>`, `<title>`) supplied what the report's text lacks: the title, the agency or the publication date.";
    MIXED_TEMPLATE = "mixed_template", Warning, "A table is in the other national format than the report (e.g. a 2019-format report whose part 三 gives （六）其他处理 as the three items of the 2021 format): the cells that do not exist in the report's format are not guessed; they are null with status `ambiguous`.";
    MISSING_ROW = "missing_row", Warning, "A row of the template was not found; its cells are null with status `missing`.";
    MISSING_COLUMN_HEADER = "missing_column_header", Warning, "The table header does not name a column of the template.";
    INDICATOR_UNDEFINED = "indicator_undefined", Info, "A rate of the `indicators` table is undefined for this report: its denominator is 0 (e.g. no application at all); the rate is null, never 0.";
    COLUMN_ORDER = "column_order", Warning, "Part 三's header prints the applicant columns in another order than the template (e.g. 总计 first, or 科研机构 before 商业企业): cells are placed by their header words; a row whose cells are not one per column cannot be placed and is null with status `ambiguous`.";
    MISSING_GROUP_HEADING = "missing_group_heading", Info, "A group heading of part 三 (（三）不予公开, （四）无法提供, （五）不予处理) is absent before its items.";
    BLANK_ROW = "blank_row", Warning, "A row is present but every cell is blank.";
    BLANK_CELL = "blank_cell", Info, "A cell is blank (empty, —, /, 无) and no identity forces its value; it is null.";
    CELL_INFERRED = "cell_inferred", Info, "A blank cell's value is forced by the identities; it is filled with status `inferred`.";
    TEMPLATE_YEAR_MISMATCH = "template_year_mismatch", Warning, "The table format does not fit the report year (2019 format after 2020, or 2021 format before 2021).";
    MISSING_REPORT_YEAR = "missing_report_year", Warning, "No report year was found in the title, the 统计期限 sentence or the first paragraph.";
    MISSING_AGENCY = "missing_agency", Warning, "No agency name was found.";
    REGION_AMBIGUOUS = "region_ambiguous", Info, "The agency's division name is shared by several divisions (鼓楼区, 朝阳区 …) and nothing else in the report or its page settles which: that level of the region is null; the levels all candidates share are kept. The candidates are listed.";
    REGION_EVIDENCE = "region_evidence", Info, "The region does not come from a division name as written: an old or zone name mapped to today's division (洪泽县 → 洪泽区, 平潭综合实验区 → 平潭县), the page's website identification code or address, or the code disagrees with the names (the names win).";
    REGION_UNKNOWN = "region_unknown", Info, "No division is named in the agency, the title or the page's metadata (e.g. a central agency): the region columns are null.";
    DUPLICATE_REPORT = "duplicate_report", Warning, "Two documents are the same report (same content, or same agency and year).";
    CARRY_OVER_MISMATCH = "carry_over_mismatch", Warning, "Across years of one agency (`agency_key`, the reports the `panel` chose): 四、结转下年度 of year N differs from 二、上年结转 of year N+1, in any applicant column; on the later report.";
    IN_FORCE_CONTINUITY = "in_force_continuity", Warning, "Across years (2021 format, part 二): 现行有效件数 of year N+1 differs from year N's plus 本年制发件数 minus 本年废止件数 of N+1; on the later report.";
    ITEMS_CONTINUITY = "items_continuity", Warning, "Across years (2019 format, part 二): 上一年项目数量 of year N+1 differs from year N's 上一年项目数量 plus 本年增/减; on the later report.";
    IMPLAUSIBLE_JUMP = "implausible_jump", Info, "Across years: 新收申请, 办理结果总计 or 行政复议 总计 is ten times (or a tenth) of the year before, and the larger is at least 50: worth checking both reports.";
    // OCR (scanned PDFs and page images)
    OCR_READ = "ocr_read", Info, "The document has no text layer (scanned PDF, page image) and was read by OCR (`layout` = ocr); the message names the engine, the pages and how many numbers were not trusted. Cell sources are `page P box x,y,w,h conf C` (pixels at the rendering resolution, and the recogniser's confidence).";
    OCR_LOW_CONFIDENCE = "ocr_low_confidence", Warning, "The recogniser was unsure of a number (confidence below `[ocr] min_confidence`; a number read differently when recognised again from its own crop has confidence 0): it was not read as a value; the cell is null (`ambiguous`) unless the identities force it (`inferred`; the message says whether that is what was recognised).";
    OCR_IDENTITY_FAILED = "ocr_identity_failed", Warning, "In a report read by OCR, an identity does not hold with what was recognised: a digit may have been misread, so every cell of that identity is null (`ambiguous`). The message gives both sides.";
    // the user's corrections (pipeline `corrections`)
    CORRECTION_APPLIED = "correction_applied", Info, "A cell was set by the pipeline's corrections file (status `corrected`, `raw` keeps the document's text); the message quotes the correction's note, `expected` is the corrected value and `actual` what was read.";
    CORRECTION_NOT_APPLIED = "correction_not_applied", Warning, "A correction names a cell this report does not have (e.g. a 2019-format key on a 2021-format report); it was not applied.";
    // normalization: reading the document
    ROW_REPAIRED = "row_repaired", Warning, "A row had more or fewer numbers than columns, or digits run together; exactly one reading satisfies the identities and was used. The finding shows the evidence.";
    ROW_AMBIGUOUS = "row_ambiguous", Warning, "A row's numbers cannot be placed with certainty; the cells are null with status `ambiguous` and the candidate readings are listed.";
    LABEL_GARBLED = "label_garbled", Info, "A row label differs from every known wording; the row was placed by its position and the closest label.";
    NO_TITLE = "no_title", Info, "The report has no title line: agency and year come from the first paragraph.";
    PAGE_BOILERPLATE = "page_boilerplate", Info, "The text carries web page boilerplate (breadcrumbs, share buttons, attachments) around the report.";
    FLATTENED_TABLE = "flattened_table", Info, "The tables are flattened: cell values run together with no separators.";
    MEMBER_UNREAD = "member_unread", Warning, "A picture or attachment of a web page, meant to be read as part of its report (a table pasted as a picture, the attachment a page wraps), could not be read: the message names the file and why (OCR not available, a damaged file). The cells it would give stay null with status `missing`.";
    MEMBER_DISAGREES = "member_disagrees", Warning, "A web page with report text of its own and the attachment it offers as its report disagree: they state a cell differently (the cell is null with status `ambiguous`; `expected` is the page's number, `actual` the attachment's), or the attachment is another report (another year or agency: it is not merged, and the message says which).";
    NOT_A_REPORT = "not_a_report", Warning, "The document was read but has nothing of a report: none of the six parts' headings and no table value (a list page, an error page, a picture or a note). It is listed with status `not_a_report` and the reason, and is never counted as a report: not in the panel, the coverage or the cross-year checks. Its other findings (missing parts, tables, agency) are not written.";
    UNREADABLE = "unreadable", Error, "The document could not be read (empty, binary, undecodable, damaged, refused as hostile, scanned without a text layer, encrypted, over the time limit, or a format not read such as an OFD of page images or a zip archive); `reports.reason` says which.";
}

/// Each rule in one line of Chinese, for the pages analysts read (`summary.html`); the
/// English description of [`RULES`] is the reference.
const RULES_ZH: [(&str, &str); 51] = [
    (
        "s3_balance",
        "第三部分各申请人列：新收 + 上年结转 应等于 办理结果总计 + 结转下年度",
    ),
    (
        "s3_results_sum",
        "第三部分各列：（七）总计 应等于（一）至（六）各项办理结果之和",
    ),
    (
        "s3_row_total",
        "第三部分各行：总计 应等于 自然人 与五类法人或其他组织之和",
    ),
    (
        "s3_other_group",
        "第三部分：（六）其他处理 作为一行给出时，应等于其下 1.–3. 项之和",
    ),
    (
        "s4_row_total",
        "第四部分各项：总计 应等于 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
    ),
    ("negative_value", "数量或金额为负（只有“本年增/减”可为负）"),
    ("non_integer_count", "件数、数量出现小数"),
    (
        "amount_unit",
        "收费金额不以万元为单位，已按表头或单位说明换算为万元",
    ),
    (
        "prose_mismatch",
        "第一部分正文所述数字与其概括的表格数字不一致",
    ),
    ("missing_section", "未找到报告的某一部分（一至六）"),
    ("missing_table", "未找到某部分的表格，其单元格为空值"),
    (
        "missing_published_on",
        "报告末尾及网页元数据中均无落款或发布日期",
    ),
    ("published_on_implausible", "落款日期早于报告年度结束"),
    ("year_conflict", "标题中的年度与统计期限所述年度不一致"),
    (
        "decoding_damaged",
        "UTF-8 文本含少量无效字节，已替换；相邻数字可能不完整",
    ),
    (
        "page_metadata",
        "报告文本缺少的标题、机关或发布日期取自网页元数据",
    ),
    (
        "mixed_template",
        "表格采用与报告不同的国家格式，另一格式才有的单元格不作猜测（空值）",
    ),
    ("missing_row", "未找到模板中的某一行，其单元格为空值"),
    ("missing_column_header", "表头未写出模板中的某一列"),
    (
        "indicator_undefined",
        "某项比率的分母为 0，比率为空值（不记为 0）",
    ),
    (
        "column_order",
        "第三部分表头的列顺序与模板不同，单元格按表头文字归位",
    ),
    (
        "missing_group_heading",
        "第三部分缺少分组标题（不予公开、无法提供、不予处理）",
    ),
    ("blank_row", "某行全部为空"),
    (
        "blank_cell",
        "单元格为空（空、—、/、无），且无恒等式确定其值",
    ),
    (
        "cell_inferred",
        "空单元格的值由恒等式唯一确定，已填入（inferred）",
    ),
    (
        "template_year_mismatch",
        "报告年度与所用表格格式不符（2020 年及以前为 2019 版，之后为 2021 版）",
    ),
    (
        "missing_report_year",
        "标题、统计期限与首段中均未找到报告年度",
    ),
    ("missing_agency", "未找到机关名称"),
    (
        "region_ambiguous",
        "机关所在行政区划名称有重名，无法确定，该级为空值",
    ),
    (
        "region_evidence",
        "行政区划并非直接来自所写名称（旧名、功能区、网站标识码或网址）",
    ),
    (
        "region_unknown",
        "未能确定行政区划（如中央单位），地区各列为空值",
    ),
    (
        "duplicate_report",
        "同一机关同一年度有多份报告，或多份文件内容相同",
    ),
    (
        "carry_over_mismatch",
        "跨年度：本年“上年结转”与上一年报告的“结转下年度”不一致",
    ),
    (
        "in_force_continuity",
        "跨年度（2021 版第二部分）：现行有效件数与上年不衔接",
    ),
    (
        "items_continuity",
        "跨年度（2019 版第二部分）：上一年项目数量与上年报告不衔接",
    ),
    (
        "implausible_jump",
        "跨年度：新收申请、办理结果总计或行政复议总计较上年变化十倍以上",
    ),
    ("ocr_read", "文档无文字层（扫描件、图片），经 OCR 识别"),
    (
        "ocr_low_confidence",
        "OCR 对某个数字把握不足，未采用，单元格为空值",
    ),
    (
        "ocr_identity_failed",
        "OCR 识别结果不满足恒等式，相关单元格为空值",
    ),
    ("correction_applied", "单元格按更正文件修改（corrected）"),
    (
        "correction_not_applied",
        "更正文件所指单元格在本报告中不存在，未修改",
    ),
    (
        "row_repaired",
        "某行数字粘连或多少不符，唯一满足恒等式的读法已采用（repaired）",
    ),
    (
        "row_ambiguous",
        "某行数字无法确定归属，单元格为空值（ambiguous）",
    ),
    (
        "label_garbled",
        "行标题与已知写法均不同，按位置与最接近的标题归行",
    ),
    ("no_title", "报告无标题行，机关与年度取自首段"),
    (
        "page_boilerplate",
        "文本带有网页框架内容（导航、分享、附件等）",
    ),
    ("flattened_table", "表格被拍平：单元格数字连写、无分隔"),
    (
        "member_unread",
        "网页中作为报告一部分的图片或附件无法读取（如无 OCR、文件损坏），其单元格为空",
    ),
    (
        "member_disagrees",
        "网页正文与其所附年报附件不一致：同一单元格数字不同（置为空值），或附件为另一年度、另一机关的报告（不合并）",
    ),
    (
        "not_a_report",
        "文件可读但没有年报的结构（无各部分标题、无表格数值），不计为报告",
    ),
    (
        "unreadable",
        "文件无法读取（空文件、二进制、损坏、无文字层的扫描件、加密、超时或不支持的格式）",
    ),
];

/// The rule's one-line Chinese description.
pub fn zh(name: &str) -> Option<&'static str> {
    RULES_ZH.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

/// Looks a rule up by name.
pub fn rule(name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_one_chinese_line() {
        for r in RULES {
            assert!(zh(r.name).is_some_and(|d| !d.is_empty()), "{}", r.name);
        }
        assert_eq!(
            RULES_ZH.len(),
            RULES.len(),
            "no line for a rule that does not exist"
        );
    }
}
