//! Regression tests named after the issues that found them, written as data: each case is a
//! small document and what the real `nianbao` binary must write for it — the right value, or
//! null with a finding; never a wrong number. All cases are built in one run of the binary.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::{Array, Float64Array};

use crate::common;
use common::{build_into, col, read};

/// What the output must say of a cell.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// Exactly this value.
    Value(f64),
    /// Null, whatever the status.
    Null,
    /// This value, or null (ambiguous is allowed).
    ValueOrNull(f64),
    /// Exactly this value, read as the document states it (status `stated`, not a repair).
    Stated(f64),
}

struct Case {
    /// File name: the issue and case it comes from.
    name: &'static str,
    bytes: Vec<u8>,
    cells: Vec<(&'static str, Want)>,
    /// (rule, a piece of its message) that must be reported.
    findings: Vec<(&'static str, &'static str)>,
    /// `reports` columns that must hold these values (None: null).
    meta: Vec<(&'static str, Option<&'static str>)>,
}

fn case(
    name: &'static str,
    text: String,
    cells: &[(&'static str, Want)],
    findings: &[(&'static str, &'static str)],
) -> Case {
    Case {
        name,
        bytes: text.into_bytes(),
        cells: cells.to_vec(),
        findings: findings.to_vec(),
        meta: vec![],
    }
}

const S3_ROWS_2021: &[&str] = &[
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "（三）不予公开",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "（四）无法提供",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "（五）不予处理",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
    "（六）其他处理",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
];

/// A 2021-format tabbed report: `s3` maps a row label to its tab-joined line (default zeros),
/// `sep` joins the cells of a row.
fn report_2021(s2: &str, s3: &[(&str, &str)], s4: &str, sep: &str) -> String {
    let zeros = ["0"; 7].join(sep);
    let mut t = String::from("明湖县教育局2024年政府信息公开工作年度报告\n一、总体情况\n本报告统计期限为2024年1月1日至2024年12月31日。\n二、主动公开政府信息情况\n");
    t.push_str(s2);
    t.push_str("\n三、收到和处理政府信息公开申请情况\n申请人情况\t自然人\t法人或其他组织\t总计\n\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\n");
    let line = |label: &str, default: &str| -> String {
        s3.iter()
            .find(|(l, _)| *l == label)
            .map_or_else(|| format!("{label}{sep}{default}"), |(_, v)| v.to_string())
    };
    t.push_str(&line("一、本年新收政府信息公开申请数量", &zeros));
    t.push('\n');
    t.push_str(&line("二、上年结转政府信息公开申请数量", &zeros));
    t.push_str("\n三、本年度办理结果\n");
    for r in S3_ROWS_2021 {
        if matches!(
            *r,
            "（三）不予公开" | "（四）无法提供" | "（五）不予处理" | "（六）其他处理"
        ) {
            t.push_str(r);
        } else {
            t.push_str(&line(r, &zeros));
        }
        t.push('\n');
    }
    t.push_str(&line("（七）总计", &zeros));
    t.push('\n');
    t.push_str(&line("四、结转下年度继续办理", &zeros));
    t.push_str("\n四、政府信息公开行政复议、行政诉讼情况\n行政复议\t行政诉讼\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t复议后起诉\n");
    t.push_str(s4);
    t.push_str("\n五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n无。\n");
    t
}

const S2_2021: &str = "规章\t0\t0\t5\n行政规范性文件\t1\t0\t3\n行政许可\t12\n行政处罚\t7\n行政强制\t0\n行政事业性收费\t1.5";
const S4_ZEROS: &str = "0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0";

/// A 2019-format report with the given part 二 lines (parts 三 and 四 zeros).
fn report_2019(s2: &str) -> String {
    let r = report_2021(s2, &[], S4_ZEROS, "\t");
    r.replace("2024年", "2020年")
        .replace("2024年1月1日至2024年12月31日", "2020年1月1日至2020年12月31日")
        .replace(
            "（六）其他处理\n1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0\n2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0\n3.其他\t0\t0\t0\t0\t0\t0\t0",
            "（六）其他处理\t0\t0\t0\t0\t0\t0\t0",
        )
}

const S2_2019_HEAD: &str = "第二十条第（一）项\n信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t0\t0\t0\n规范性文件\t0\t0\t0\n第二十条第（五）项\n信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n";
const S2_2019_TAIL: &str = "\n其他对外管理服务事项\t0\t0\t0\n行政处罚\t0\t0\t0\n行政强制\t0\t0\t0\n行政事业性收费\t0\t0\n政府集中采购\t0\t0";

fn html(rows: &str) -> String {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>明湖县教育局2024年政府信息公开工作年度报告</title></head><body>\
         <h1>明湖县教育局2024年政府信息公开工作年度报告</h1><p>一、总体情况</p><p>本报告统计期限为2024年1月1日至2024年12月31日。</p>\
         <p>二、主动公开政府信息情况</p><table>{rows}</table>\
         <p>三、收到和处理政府信息公开申请情况</p><p>四、政府信息公开行政复议、行政诉讼情况</p>\
         <p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p></body></html>"
    )
}

/// A DOCX whose body is one part-二 table; `cells` are the raw `w:tc` contents of the 规章 row.
fn docx(regulation_cells: &[&str]) -> Vec<u8> {
    let p = |t: &str| format!("<w:p><w:r><w:t>{t}</w:t></w:r></w:p>");
    let tc = |inner: &str| format!("<w:tc>{inner}</w:tc>");
    let row = |cells: Vec<String>| format!("<w:tr>{}</w:tr>", cells.concat());
    let mut body = String::new();
    for line in [
        "明湖县教育局2024年政府信息公开工作年度报告",
        "一、总体情况",
        "本报告统计期限为2024年1月1日至2024年12月31日。",
        "二、主动公开政府信息情况",
    ] {
        body.push_str(&p(line));
    }
    body.push_str("<w:tbl>");
    body.push_str(&row([
        "信息内容",
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
    ]
    .iter()
    .map(|t| tc(&p(t)))
    .collect()));
    let mut cells = vec![tc(&p("规章"))];
    cells.extend(regulation_cells.iter().map(|c| tc(c)));
    body.push_str(&row(cells));
    body.push_str("</w:tbl>");
    for line in [
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "无。",
        "六、其他需要报告的事项",
        "无。",
    ] {
        body.push_str(&p(line));
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>").unwrap();
        z.start_file("word/document.xml", opts).unwrap();
        z.write_all(xml.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn cases() -> Vec<Case> {
    use Want::*;
    let mut v = vec![
        // 19.1: a number that stands alone is not a digit run; the missing cell may be any.
        case(
            "issue19_01_split_before_insert.txt",
            report_2021(
                S2_2021,
                &[
                    ("（一）予以公开", "（一）予以公开 2 2 2 2 0 19"),
                    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量\t2\t2\t2\t2\t0\t19\t27"),
                    ("（七）总计", "（七）总计\t2\t2\t2\t2\t0\t19\t27"),
                ],
                S4_ZEROS,
                "\t",
            ),
            &[
                ("s3.granted.natural_person", ValueOrNull(2.0)),
                ("s3.granted.legal_service_org", ValueOrNull(0.0)),
                ("s3.granted.other_org", ValueOrNull(19.0)),
                ("s3.granted.total", ValueOrNull(27.0)),
            ],
            &[],
        ),
        // 19.2: the next row's leading empty cell is not this row's.
        case(
            "issue19_02_empty_cell_of_the_next_line.txt",
            report_2021(
                S2_2021,
                &[
                    ("（一）予以公开", "（一）予以公开\t6\t5\t0\t1\t0\t12"),
                    (
                        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                        "\t（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t0\t0\t0\t0\t0\t0\t0",
                    ),
                    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量\t6\t5\t0\t1\t0\t0\t12"),
                    ("（七）总计", "（七）总计\t6\t5\t0\t1\t0\t0\t12"),
                ],
                S4_ZEROS,
                "\t",
            ),
            &[
                ("s3.granted.other_org", ValueOrNull(0.0)),
                ("s3.granted.total", ValueOrNull(12.0)),
                ("s3.granted.natural_person", ValueOrNull(6.0)),
                ("s3.partially_granted.natural_person", Value(0.0)),
            ],
            &[],
        ),
        // 19.2: part 四 with its last total blank and no trailing tab: no shift.
        case(
            "issue19_02_part_four_last_total_blank.txt",
            report_2021(
                S2_2021,
                &[],
                "1\t0\t0\t0\t1\t0\t2\t0\t0\t2\t0\t0\t0\t3",
                "\t",
            ),
            &[
                ("s4.administrative_review.upheld", ValueOrNull(1.0)),
                ("s4.litigation_direct.corrected", ValueOrNull(2.0)),
                ("s4.litigation_after_review.pending", ValueOrNull(3.0)),
                ("s4.litigation_after_review.total", ValueOrNull(3.0)),
            ],
            &[],
        ),
        // 19.5: a blank written ——— or --- is a cell; 19.6: trailing punctuation keeps its
        // digits; 19.7: 万.
        case(
            "issue19_05_06_07_dashes_punctuation_wan.txt",
            report_2021(
                "规章\t———\t0\t117.\n行政规范性文件\t---\t1\t4\n行政许可\t106、\n行政处罚\t3万\n行政强制\t0\n行政事业性收费\t1.5",
                &[],
                S4_ZEROS,
                "\t",
            ),
            &[
                ("s2.regulation.issued", Null),
                ("s2.regulation.repealed", Value(0.0)),
                ("s2.regulation.in_force", Value(117.0)),
                ("s2.normative_document.issued", Null),
                ("s2.normative_document.repealed", Value(1.0)),
                ("s2.normative_document.in_force", Value(4.0)),
                ("s2.licensing.decisions", Value(106.0)),
                ("s2.punishment.decisions", Value(30000.0)),
            ],
            &[],
        ),
        // 19.8: the unit in the header.
        case(
            "issue19_08_header_unit_yuan.txt",
            report_2021(
                "规章\t0\t0\t5\n行政规范性文件\t1\t0\t3\n行政许可\t12\n行政处罚\t7\n行政强制\t0\n信息内容\t本年收费金额（单位：元）\n行政事业性收费\t8188900",
                &[],
                S4_ZEROS,
                "\t",
            ),
            &[("s2.admin_fee.amount_10k_yuan", Value(818.89))],
            &[("amount_unit", "818.89")],
        ),
        // 27.1: a label spanning two columns leaves an empty cell before the row's run of
        // digits (`label⇥⇥0001001⇥`): right or null, never the shifted reading.
        case(
            "issue27_01_label_span_empty_cell.txt",
            report_2021(
                S2_2021,
                &[
                    ("二、上年结转政府信息公开申请数量", "二、上年结转政府信息公开申请数量\t\t0001001\t"),
                    ("四、结转下年度继续办理", "四、结转下年度继续办理\t0\t0\t0\t1\t0\t0\t1"),
                ],
                S4_ZEROS,
                "\t",
            ),
            &[
                ("s3.carried_over.natural_person", ValueOrNull(0.0)),
                ("s3.carried_over.social_welfare_org", ValueOrNull(1.0)),
                ("s3.carried_over.legal_service_org", ValueOrNull(0.0)),
                ("s3.carried_over.total", ValueOrNull(1.0)),
            ],
            &[],
        ),
        // 27.2: the two cells of a two-column row glued after a space (`政府集中采购 1267.2`
        // for 1 | 267.2): right or null, never 1267.2 as the amount.
        case(
            "issue27_02_label_space_two_cells_glued.txt",
            report_2019(&format!(
                "{S2_2019_HEAD}行政许可\t0\t0\t0{}",
                S2_2019_TAIL.replace("政府集中采购\t0\t0", "政府集中采购 1267.2")
            )),
            &[
                ("s2.central_procurement.projects", ValueOrNull(1.0)),
                ("s2.central_procurement.amount", ValueOrNull(267.2)),
            ],
            &[],
        ),
        // 27.3: part 四 flattened into one run followed by a rule line of dashes.
        case(
            "issue27_03_s4_run_and_rule_line.txt",
            report_2021(S2_2021, &[], "000220000000000------", "\t"),
            &[
                ("s4.administrative_review.pending", ValueOrNull(2.0)),
                ("s4.administrative_review.total", ValueOrNull(2.0)),
                ("s4.litigation_after_review.total", ValueOrNull(0.0)),
            ],
            &[],
        ),
        // 27 (the differential test's last two misses): part 四 flattened with spaces at some
        // cell boundaries, three blank cells run together into one word of dashes (`———`):
        // the word may be one to three blanks, and only the truth satisfies the identities.
        case(
            "issue27_s4_three_blanks_run_together.txt",
            report_2021(S2_2021, &[], "10 04 5 ——— 0 00 0022 22", "\t"),
            &[
                ("s4.administrative_review.upheld", Value(1.0)),
                ("s4.administrative_review.corrected", Value(0.0)),
                ("s4.administrative_review.other", Value(0.0)),
                ("s4.administrative_review.pending", Value(4.0)),
                ("s4.administrative_review.total", Value(5.0)),
                ("s4.litigation_direct.total", Value(0.0)),
                ("s4.litigation_after_review.pending", Value(22.0)),
                ("s4.litigation_after_review.total", Value(22.0)),
            ],
            &[],
        ),
        // 27.6: a fee header in 元 (or 千元) without the word 单位, or a unit note of the
        // table: converted to 万元, never written as 万元.
        case(
            "issue27_06_fee_header_yuan_no_danwei.txt",
            report_2021(
                "规章\t0\t0\t5\n行政规范性文件\t1\t0\t3\n行政许可\t12\n行政处罚\t7\n行政强制\t0\n信息内容\t本年收费金额（元）\n行政事业性收费\t2500",
                &[],
                S4_ZEROS,
                "\t",
            ),
            &[("s2.admin_fee.amount_10k_yuan", Value(0.25))],
            &[("amount_unit", "2500 元 recorded as 0.25 万元")],
        ),
        case(
            "issue27_06_fee_table_note_renminbi_yuan.txt",
            report_2021(
                "（单位：人民币元）\n规章\t0\t0\t5\n行政规范性文件\t1\t0\t3\n行政许可\t12\n行政处罚\t7\n行政强制\t0\n信息内容\t本年收费金额\n行政事业性收费\t2500",
                &[],
                S4_ZEROS,
                "\t",
            ),
            &[("s2.admin_fee.amount_10k_yuan", Value(0.25))],
            &[("amount_unit", "2500 元 recorded as 0.25 万元")],
        ),
        case(
            "issue27_06_fee_header_thousand_yuan.txt",
            report_2021(
                "规章\t0\t0\t5\n行政规范性文件\t1\t0\t3\n行政许可\t12\n行政处罚\t7\n行政强制\t0\n信息内容\t本年收费金额（单位：千元）\n行政事业性收费\t2500",
                &[],
                S4_ZEROS,
                "\t",
            ),
            &[("s2.admin_fee.amount_10k_yuan", Value(250.0))],
            &[("amount_unit", "2500 千元 recorded as 250 万元")],
        ),
        // ... and the standard header in 万元 is kept as written
        case(
            "issue27_06_fee_header_wan_yuan_kept.txt",
            report_2021(
                "规章\t0\t0\t5\n行政规范性文件\t1\t0\t3\n行政许可\t12\n行政处罚\t7\n行政强制\t0\n信息内容\t本年收费金额（单位：万元）\n行政事业性收费\t2500",
                &[],
                S4_ZEROS,
                "\t",
            ),
            &[("s2.admin_fee.amount_10k_yuan", Value(2500.0))],
            &[],
        ),
        // 27.7: part 二's 规章 rows under the 2019 format's columns in a 2021-format report:
        // 3 / 3 / 25 are not issued / repealed / in force.
        case(
            "issue27_07_s2_columns_of_2019_in_2021_report.txt",
            report_2021(
                "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t3\t3\t25\n行政规范性文件\t1\t1\t4\n行政许可\t12\n行政处罚\t7\n行政强制\t0\n信息内容\t本年收费金额（单位：万元）\n行政事业性收费\t1.5",
                &[],
                S4_ZEROS,
                "\t",
            ),
            &[
                ("s2.regulation.issued", Null),
                ("s2.regulation.repealed", Null),
                ("s2.regulation.in_force", Null),
                ("s2.normative_document.in_force", Null),
                ("s2.licensing.decisions", Value(12.0)),
                ("s2.admin_fee.amount_10k_yuan", Value(1.5)),
            ],
            &[("mixed_template", "本年新制作数量")],
        ),
        // 27.15: （七）合计 written for （七）总计
        case(
            "issue27_15_results_total_written_heji.txt",
            report_2021(
                S2_2021,
                &[
                    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量\t5\t0\t0\t0\t0\t0\t5"),
                    ("（一）予以公开", "（一）予以公开\t5\t0\t0\t0\t0\t0\t5"),
                    ("（七）总计", "（七）合计\t5\t0\t0\t0\t0\t0\t5"),
                ],
                S4_ZEROS,
                "\t",
            ),
            &[
                ("s3.results_total.natural_person", Value(5.0)),
                ("s3.results_total.total", Value(5.0)),
            ],
            &[],
        ),
        // 27.8: part 三's header prints 科研机构 before 商业企业: cells go by the header.
        case(
            "issue27_08_s3_header_research_before_commercial.txt",
            report_2021(
                S2_2021,
                &[
                    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量\t1\t2\t3\t0\t0\t0\t6"),
                    ("（一）予以公开", "（一）予以公开\t1\t2\t3\t0\t0\t0\t6"),
                    ("（七）总计", "（七）总计\t1\t2\t3\t0\t0\t0\t6"),
                ],
                S4_ZEROS,
                "\t",
            )
            .replace("商业企业\t科研机构", "科研机构\t商业企业"),
            &[
                ("s3.received_new.natural_person", Value(1.0)),
                ("s3.received_new.research_institution", Value(2.0)),
                ("s3.received_new.commercial_enterprise", Value(3.0)),
                ("s3.granted.research_institution", Value(2.0)),
                ("s3.granted.commercial_enterprise", Value(3.0)),
                ("s3.results_total.total", Value(6.0)),
            ],
            &[("column_order", "自然人、科研机构、商业企业")],
        ),
        // 27.9: 总计 printed as the first column; a row whose digits run together cannot be
        // placed by the header and is null.
        case(
            "issue27_09_s3_total_first.txt",
            report_2021(
                S2_2021,
                &[
                    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量\t6\t1\t2\t3\t0\t0\t0"),
                    ("二、上年结转政府信息公开申请数量", "二、上年结转政府信息公开申请数量\t\t0000000"),
                    ("（一）予以公开", "（一）予以公开\t6\t1\t2\t3\t0\t0\t0"),
                    ("（七）总计", "（七）总计\t6\t1\t2\t3\t0\t0\t0"),
                ],
                S4_ZEROS,
                "\t",
            )
            .replace(
                "申请人情况\t自然人\t法人或其他组织\t总计\n\t\t商业企业",
                "申请人情况\t总计\t自然人\t法人或其他组织\n\t\t\t商业企业",
            ),
            &[
                ("s3.received_new.total", Value(6.0)),
                ("s3.received_new.natural_person", Value(1.0)),
                ("s3.received_new.commercial_enterprise", Value(2.0)),
                ("s3.received_new.research_institution", Value(3.0)),
                ("s3.granted.total", Value(6.0)),
                ("s3.granted.other_org", Value(0.0)),
                ("s3.carried_over.natural_person", Null),
                ("s3.carried_over.total", Null),
            ],
            &[("column_order", "总计、自然人、商业企业")],
        ),
        // 27.9: part 四 printed transposed: a row per result, a column per proceeding.
        case(
            "issue27_09_s4_transposed.txt",
            report_2021(S2_2021, &[], "", "\t").replace(
                "行政复议\t行政诉讼\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t复议后起诉\n",
                "\t行政复议\t未经复议直接起诉\t复议后起诉\n结果维持\t1\t4\t7\n结果纠正\t2\t5\t0\n其他结果\t0\t0\t0\n尚未审结\t3\t0\t1\n总计\t6\t9\t8\n",
            ),
            &[
                ("s4.administrative_review.upheld", Value(1.0)),
                ("s4.administrative_review.corrected", Value(2.0)),
                ("s4.administrative_review.pending", Value(3.0)),
                ("s4.administrative_review.total", Value(6.0)),
                ("s4.litigation_direct.upheld", Value(4.0)),
                ("s4.litigation_direct.corrected", Value(5.0)),
                ("s4.litigation_direct.total", Value(9.0)),
                ("s4.litigation_after_review.upheld", Value(7.0)),
                ("s4.litigation_after_review.pending", Value(1.0)),
                ("s4.litigation_after_review.total", Value(8.0)),
            ],
            &[("column_order", "part 四 is printed transposed")],
        ),
        // 27.12: the real template's rows 一、二、四 have labels spanning two columns: an
        // empty cell after the label, then one cell per column (and a trailing tab). Read.
        case(
            "issue27_12_seed_layout_spanning_labels.txt",
            report_2021(
                S2_2021,
                &[
                    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量\t\t5\t0\t0\t0\t0\t0\t5\t"),
                    ("二、上年结转政府信息公开申请数量", "二、上年结转政府信息公开申请数量\t\t3\t0\t0\t1\t0\t0\t4\t"),
                    ("（一）予以公开", "（一）予以公开\t6\t0\t0\t1\t0\t0\t7"),
                    ("（七）总计", "（七）总计\t6\t0\t0\t1\t0\t0\t7"),
                    ("四、结转下年度继续办理", "四、结转下年度继续办理\t\t2\t0\t0\t0\t0\t0\t2\t"),
                ],
                S4_ZEROS,
                "\t",
            ),
            &[
                ("s3.carried_over.natural_person", Stated(3.0)),
                ("s3.carried_over.social_welfare_org", Stated(1.0)),
                ("s3.carried_over.total", Stated(4.0)),
                ("s3.carried_forward.natural_person", Stated(2.0)),
                ("s3.carried_forward.total", Stated(2.0)),
                ("s3.received_new.total", Stated(5.0)),
            ],
            // (no review or suit at all: their correction rates are undefined, issue 29.3)
            &[("indicator_undefined", "review_correction_rate")],
        ),
        // 27.14: an introduction listing the six parts is not where they start.
        case(
            "issue27_14_intro_lists_the_parts.txt",
            report_2021(
                S2_2021,
                &[
                    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量\t5\t0\t0\t0\t0\t0\t5"),
                    ("（一）予以公开", "（一）予以公开\t5\t0\t0\t0\t0\t0\t5"),
                    ("（七）总计", "（七）总计\t5\t0\t0\t0\t0\t0\t5"),
                ],
                "1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0",
                "\t",
            )
            .replacen(
                "一、总体情况\n",
                "本报告全文包括：一、总体情况；二、主动公开政府信息情况；三、收到和处理政府信息公开申请情况；四、政府信息公开行政复议、行政诉讼情况；五、存在的主要问题及改进情况；六、其他需要报告的事项。\n一、总体情况\n",
                1,
            ),
            &[
                ("s2.regulation.in_force", Stated(5.0)),
                ("s2.licensing.decisions", Stated(12.0)),
                ("s3.received_new.natural_person", Stated(5.0)),
                ("s3.results_total.total", Stated(5.0)),
                ("s4.administrative_review.upheld", Stated(1.0)),
                ("s4.administrative_review.total", Stated(1.0)),
            ],
            &[],
        ),
        // 27.10: a flattened table whose own arithmetic is wrong ((七)总计 is 6, its rows sum to
        // 5) keeps the rows whose run gives one digit per column; the break is reported.
        case(
            "issue27_10_document_arithmetic_error_keeps_unique_runs.txt",
            report_2021(
                S2_2021,
                &[
                    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量5000005"),
                    ("（一）予以公开", "（一）予以公开5000005"),
                    ("（七）总计", "（七）总计6000006"),
                    ("四、结转下年度继续办理", "四、结转下年度继续办理0000000"),
                ],
                S4_ZEROS,
                "",
            ),
            &[
                ("s3.received_new.natural_person", Value(5.0)),
                ("s3.granted.natural_person", Value(5.0)),
                ("s3.granted.total", Value(5.0)),
                ("s3.results_total.natural_person", Value(6.0)),
                ("s3.denied_state_secret.total", Value(0.0)),
            ],
            &[("s3_results_sum", "")],
        ),
        // 19.9: two identities force different values on a blank: null, both named.
        case(
            "issue19_09_identities_disagree.txt",
            report_2021(
                S2_2021,
                &[
                    ("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量\t—\t44\t48\t1\t33\t27\t284"),
                    ("（一）予以公开", "（一）予以公开\t130\t44\t48\t1\t33\t27\t283"),
                    ("（七）总计", "（七）总计\t130\t44\t48\t1\t33\t27\t283"),
                    ("四、结转下年度继续办理", "四、结转下年度继续办理\t0\t0\t0\t0\t0\t0\t1"),
                ],
                S4_ZEROS,
                "\t",
            ),
            &[("s3.received_new.natural_person", Null)],
            &[("row_ambiguous", "disagree")],
        ),
        // 19.3: Unicode minus and dashes in a signed column.
        case(
            "issue19_03_unicode_minus.txt",
            report_2019(&format!(
                "{S2_2019_HEAD}行政许可 | 316 | −3 | 0 |{}",
                S2_2019_TAIL.replace("其他对外管理服务事项\t0\t0\t0", "其他对外管理服务事项 | 20 | －4 | 1 |").replace("行政处罚\t0\t0\t0", "行政处罚\t9\t减少2\t1")
            )),
            &[
                ("s2.licensing.prev_year_items", Value(316.0)),
                ("s2.licensing.change", Value(-3.0)),
                ("s2.licensing.decisions", Value(0.0)),
                ("s2.other_external_service.change", Value(-4.0)),
                ("s2.punishment.change", Value(-2.0)),
            ],
            &[],
        ),
        // 19.4: a data line that looks like a page number is data outside page edges.
        case(
            "issue19_04_dashed_number_line.txt",
            report_2019(&format!("{S2_2019_HEAD}行政许可\n— 5 —{S2_2019_TAIL}")),
            &[
                ("s2.licensing.prev_year_items", Null),
                ("s2.licensing.change", Value(5.0)),
                ("s2.licensing.decisions", Null),
            ],
            &[],
        ),
        // 19.11 and 20.A: hidden, struck-out, deleted and superscript text is not the value;
        // two numbers in one cell are ambiguous.
        case(
            "issue19_11_issue20_a_html_cells.html",
            html(
                "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>\
                 <tr><td>规章</td><td><del>9</del><ins>84</ins></td><td style=\"display:none\">9</td><td><s>7</s>2</td><td>5<sup>1</sup></td></tr>\
                 <tr><td>行政规范性文件</td><td><span style=\"text-decoration: line-through\">3</span>1</td><td><strike>8</strike>0</td><td>84<br>6</td></tr>\
                 <tr hidden><td>行政许可</td><td>99</td></tr>\
                 <tr><td>行政许可</td><td><p>1</p><p>2</p></td></tr>",
            ),
            &[
                ("s2.regulation.issued", Value(84.0)),
                ("s2.regulation.repealed", Value(2.0)),
                ("s2.regulation.in_force", Value(5.0)),
                ("s2.normative_document.issued", Value(1.0)),
                ("s2.normative_document.repealed", Value(0.0)),
                ("s2.normative_document.in_force", Null),
                ("s2.licensing.decisions", Null),
            ],
            &[("row_ambiguous", "several numbers")],
        ),
        // 27.5: `text-decoration: underline line-through` is struck: 9 struck + 84 is 84.
        case(
            "issue27_05_html_underline_line_through.html",
            html(
                "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>\
                 <tr><td>规章</td><td><span style=\"text-decoration: underline line-through\">9</span>84</td><td>0</td><td>5</td></tr>",
            ),
            &[("s2.regulation.issued", Value(84.0))],
            &[],
        ),
        // 27.11: a table's one-number rows with the empty cells a merged cell left: the number
        // is the value (not "2 or _"); under the 2019 format's columns they are not read.
        case(
            "issue27_11_grid_one_number_rows.html",
            html(
                "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>\
                 <tr><td>规章</td><td>1</td><td>0</td><td>4</td></tr>\
                 <tr><td>信息内容</td><td>本年处理决定数量</td><td></td><td></td></tr>\
                 <tr><td>行政许可</td><td>2</td><td></td><td></td></tr>\
                 <tr><td>行政处罚</td><td></td><td></td><td>7</td></tr>\
                 <tr><td>信息内容</td><td>本年收费金额（单位：万元）</td><td></td><td></td></tr>\
                 <tr><td>行政事业性收费</td><td>1.5</td><td></td><td></td></tr>",
            ),
            &[
                ("s2.licensing.decisions", Value(2.0)),
                ("s2.punishment.decisions", Value(7.0)),
                ("s2.admin_fee.amount_10k_yuan", Value(1.5)),
            ],
            &[],
        ),
        case(
            "issue27_11_grid_rows_under_2019_columns.html",
            html(
                "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>\
                 <tr><td>规章</td><td>1</td><td>0</td><td>4</td></tr>\
                 <tr><td>信息内容</td><td>上一年项目数量</td><td>本年增/减</td><td>处理决定数量</td></tr>\
                 <tr><td>行政许可</td><td>6</td><td></td><td></td></tr>\
                 <tr><td>信息内容</td><td>本年收费金额（单位：万元）</td><td></td><td></td></tr>\
                 <tr><td>行政事业性收费</td><td>1.5</td><td></td><td></td></tr>",
            ),
            &[
                ("s2.regulation.in_force", Value(4.0)),
                ("s2.licensing.decisions", Null),
                ("s2.admin_fee.amount_10k_yuan", Value(1.5)),
            ],
            &[("mixed_template", "上一年项目数量")],
        ),
    ];
    // 27.4: DOCX struck text (w:strike, w:dstrike) is not the value: 15 struck, then 12, is 12.
    v.push(Case {
        name: "issue27_04_docx_strike.docx",
        bytes: docx(&[
            "<w:p><w:r><w:rPr><w:strike/></w:rPr><w:t>15</w:t></w:r><w:r><w:t>12</w:t></w:r></w:p>",
            "<w:p><w:r><w:rPr><w:dstrike/></w:rPr><w:t>7</w:t></w:r><w:r><w:t>0</w:t></w:r></w:p>",
            "<w:p><w:r><w:t>5</w:t></w:r></w:p>",
        ]),
        cells: vec![
            ("s2.regulation.issued", Want::Value(12.0)),
            ("s2.regulation.repealed", Want::Value(0.0)),
            ("s2.regulation.in_force", Want::Value(5.0)),
        ],
        findings: vec![],
        meta: vec![],
    });
    // 20.A 4–7: DOCX hidden, moved, superscript text; tab, break and two paragraphs.
    let r = |t: &str| format!("<w:r><w:t>{t}</w:t></w:r>");
    let para = |runs: &str| format!("<w:p>{runs}</w:p>");
    v.push(Case {
        name: "issue20_a_docx_hidden_moved_superscript.docx",
        bytes: docx(&[
            &para(&format!(
                "<w:r><w:rPr><w:vanish/></w:rPr><w:t>9</w:t></w:r>{}",
                r("297")
            )),
            &para(&format!("<w:moveFrom>{}</w:moveFrom>{}", r("5"), r("3"))),
            &para(&format!(
                "{}<w:r><w:rPr><w:vertAlign w:val=\"superscript\"/></w:rPr><w:t>1</w:t></w:r>",
                r("12")
            )),
        ]),
        cells: vec![
            ("s2.regulation.issued", Want::Value(297.0)),
            ("s2.regulation.repealed", Want::Value(3.0)),
            ("s2.regulation.in_force", Want::Value(12.0)),
        ],
        findings: vec![],
        meta: vec![],
    });
    v.push(Case {
        name: "issue20_a_docx_two_numbers_in_a_cell.docx",
        bytes: docx(&[
            &para(&format!("{}<w:r><w:tab/></w:r>{}", r("297"), r("3"))),
            &para(&format!("{}<w:r><w:br/></w:r>{}", r("4"), r("1"))),
            &format!("{}{}", para(&r("6")), para(&r("2"))),
        ]),
        cells: vec![
            ("s2.regulation.issued", Want::Null),
            ("s2.regulation.repealed", Want::Null),
            ("s2.regulation.in_force", Want::Null),
        ],
        findings: vec![("row_ambiguous", "several numbers")],
        meta: vec![],
    });
    // 20.B: a 2019-format part 二 with the 2021 format's part 三: （六） is not squashed.
    v.push(case(
        "issue20_b_mixed_templates.txt",
        report_2021(
            &format!("{S2_2019_HEAD}行政许可\t3\t1\t4{S2_2019_TAIL}"),
            &[
                (
                    "一、本年新收政府信息公开申请数量",
                    "一、本年新收政府信息公开申请数量\t3\t0\t0\t0\t0\t0\t3",
                ),
                ("（一）予以公开", "（一）予以公开\t2\t0\t0\t0\t0\t0\t2"),
                ("3.其他", "3.其他\t1\t0\t0\t0\t0\t0\t1"),
                ("（七）总计", "（七）总计\t3\t0\t0\t0\t0\t0\t3"),
            ],
            S4_ZEROS,
            "\t",
        ),
        &[
            ("s2.licensing.change", Want::Value(1.0)),
            ("s3.granted.total", Want::Value(2.0)),
            ("s3.results_total.total", Want::Value(3.0)),
            ("s3.other_processing.natural_person", Want::Null),
            ("s3.other_processing.total", Want::Null),
        ],
        &[("mixed_template", "2021 format")],
    ));
    // 13.4 and 20.C: metadata. A sentence is never an agency; titles give names.
    let base = report_2021(S2_2021, &[], S4_ZEROS, "\t");
    let titled =
        |title: &str| base.replacen("明湖县教育局2024年政府信息公开工作年度报告", title, 1);
    let meta_case = |name: &'static str,
                     text: String,
                     meta: &[(&'static str, Option<&'static str>)],
                     findings: &[(&'static str, &'static str)]| Case {
        name,
        bytes: text.into_bytes(),
        cells: vec![("s2.regulation.in_force", Want::Value(5.0))],
        findings: findings.to_vec(),
        meta: meta.to_vec(),
    };
    v.push(meta_case(
        "issue13_sentence_is_not_an_agency.txt",
        titled("本报告根据《中华人民共和国政府信息公开条例》编制，所列数据统计期限为2024年1月1日至2024年12月31日。"),
        &[("agency", None), ("report_year", Some("2024"))],
        &[("missing_agency", "")],
    ));
    v.push(meta_case(
        "issue20_c09_city_prefix.txt",
        titled("长安区人民政府2024年政府信息公开工作年度报告")
            .replace("本报告统计期限", "石家庄市长安区人民政府本报告统计期限"),
        &[
            ("agency", Some("石家庄市长安区人民政府")),
            ("agency_in_title", Some("长安区人民政府")),
        ],
        &[],
    ));
    v.push(meta_case(
        "issue20_c10_words_after_the_name.txt",
        titled("明湖县科学技术局政府信息公开工作2024年度报告"),
        &[
            ("agency", Some("明湖县科学技术局")),
            ("report_year", Some("2024")),
        ],
        &[],
    ));
    v.push(meta_case(
        "issue20_c10_name_over_two_lines.txt",
        titled("明湖县科学技\n术局2024年政府信息公开工作年度报告"),
        &[
            ("agency", Some("明湖县科学技术局")),
            ("report_year", Some("2024")),
        ],
        &[],
    ));
    v.push(meta_case(
        "issue20_c10_brackets.txt",
        titled("【明湖县民政局】2024年政府信息公开工作年度报告"),
        &[("agency", Some("明湖县民政局"))],
        &[],
    ));
    v.push(meta_case(
        "issue20_c10_notice.txt",
        titled("明湖县人民政府办公室关于印发明湖县2024年政府信息公开工作年度报告的通知"),
        &[("agency", Some("明湖县人民政府办公室"))],
        &[],
    ));
    v.push(meta_case(
        "issue20_c11_breadcrumb.txt",
        format!(
            "当前位置：首页 > 政府信息公开 > 年报 > 2024年\n{}",
            titled("明湖县民政局2024年政府信息公开工作年度报告")
        ),
        &[("agency", Some("明湖县民政局"))],
        &[],
    ));
    // 20.14: a UTF-8 page with one broken byte is UTF-8 with a replacement, not mojibake.
    let page = html(
        "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>\
         <tr><td>规章</td><td>3</td><td>0</td><td>5</td></tr>",
    );
    let at = page.find("本报告统计期限").unwrap();
    let mut bytes = page.into_bytes();
    bytes.insert(at, 0xFF);
    v.push(Case {
        name: "issue20_d14_utf8_with_a_broken_byte.html",
        bytes,
        cells: vec![
            ("s2.regulation.issued", Want::Value(3.0)),
            ("s2.regulation.in_force", Want::Value(5.0)),
        ],
        findings: vec![("decoding_damaged", "1 invalid")],
        meta: vec![
            ("agency", Some("明湖县教育局")),
            ("report_year", Some("2024")),
        ],
    });
    // Issue 17: a saved CMS article page whose body has no title line and no signing date:
    // the page's meta tags give agency, year, published_on, source_url and site_id_code.
    let body = report_2021(S2_2021, &[], S4_ZEROS, "\t")
        .lines()
        .skip(1)
        .filter(|l| !l.contains('\t'))
        .map(|l| format!("<p class=\"MsoNormal\"><span style=\"font-family:仿宋\">{l}</span></p>"))
        .collect::<String>();
    let cms = format!(
        "<!-- saved from url=(0061)https://www.mh.gov.cn/zwgk/ndbg/202503/t20250310_97791.htm -->\n\
         <html><head><meta charset=\"utf-8\">\
         <meta name=\"SiteName\" content=\"明湖县人民政府\"/>\
         <meta name=\"SiteDomain\" content=\"www.mh.gov.cn\"/>\
         <meta name=\"SiteIDCode\" content=\"3301270001\"/>\
         <meta name=\"ColumnName\" content=\"政府信息公开年报\"/>\
         <meta name=\"ArticleTitle\" content=\"明湖县教育局2024年度政府信息公开工作年度报告\"/>\
         <meta name=\"PubDate\" content=\"2025-03-10 15:35\"/>\
         <meta name=\"ContentSource\" content=\"明湖县教育局\"/>\
         <meta name=\"Url\" content=\"https://www.mh.gov.cn/zwgk/ndbg/202503/t20250310_97791.htm\"/>\
         <title>明湖县教育局2024年度政府信息公开工作年度报告_政府信息公开年报_明湖县人民政府</title></head>\
         <body><div class=\"header\"><a href=\"/\">首页</a> <a href=\"/zwgk\">政务公开</a></div>\
         <nav>当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报</nav>\
         <div class=\"info\"><span>来源：明湖县教育局</span> <span>分享到：微信 微博</span></div>\
         <div class=\"TRS_Editor\">{body}</div>\
         <aside>相关链接 <a href=\"#\">国务院</a></aside><footer>主办：明湖县人民政府办公室 网站标识码：3301270001</footer></body></html>"
    );
    v.push(Case {
        name: "issue17_cms_article_page.html",
        bytes: cms.into_bytes(),
        cells: vec![],
        // the agency's name names no real division: the identification code's 330127 does
        findings: vec![
            ("page_metadata", "PubDate"),
            ("region_evidence", "website identification code 3301270001"),
        ],
        meta: vec![
            ("adcode", Some("330127")),
            ("province", Some("浙江省")),
            ("county", Some("淳安县")),
            ("agency", Some("明湖县教育局")),
            ("report_year", Some("2024")),
            ("published_on", Some("2025-03-10")),
            (
                "source_url",
                Some("https://www.mh.gov.cn/zwgk/ndbg/202503/t20250310_97791.htm"),
            ),
            ("site_id_code", Some("3301270001")),
            ("site_name", Some("明湖县人民政府")),
            ("content_source", Some("明湖县教育局")),
        ],
    });
    // 28.6: a department's report on a county portal: the site's name is not its agency.
    let portal = format!(
        "<html><head><meta charset=\"utf-8\"><meta name=\"SiteName\" content=\"叶城县人民政府\"/>\
         <title>2024年度政府信息公开工作年度报告_叶城县人民政府</title></head>\
         <body><div class=\"TRS_Editor\">{body}</div></body></html>"
    );
    v.push(Case {
        name: "issue28_06_site_name_is_not_the_agency.html",
        bytes: portal.into_bytes(),
        cells: vec![],
        findings: vec![("missing_agency", "")],
        meta: vec![("agency", None), ("site_name", Some("叶城县人民政府"))],
    });
    // 28.10: a 相关阅读 line naming last year's report before the article: the page's
    // ArticleTitle names the article, and its year is the report's.
    let sidebar = format!(
        "<html><head><meta charset=\"utf-8\">\
         <meta name=\"ArticleTitle\" content=\"明湖县教育局2024年政府信息公开工作年度报告\"/></head>\
         <body><div class=\"xgyd\"><p>相关阅读：明湖县教育局2023年政府信息公开工作年度报告</p></div>\
         <div class=\"TRS_Editor\">{body}</div></body></html>"
    );
    v.push(Case {
        name: "issue28_10_related_reading_before_the_article.html",
        bytes: sidebar.into_bytes(),
        cells: vec![],
        findings: vec![("page_metadata", "article title")],
        meta: vec![
            ("agency", Some("明湖县教育局")),
            ("report_year", Some("2024")),
        ],
    });
    // pages without these tags behave as before: no source_url, no site fields
    v.push(meta_case(
        "issue17_plain_text_has_no_page_fields.txt",
        base.clone(),
        &[
            ("source_url", None),
            ("site_id_code", None),
            ("site_name", None),
            ("agency", Some("明湖县教育局")),
        ],
        &[],
    ));
    // 20.12: dates in other notations; the end of a period is not a signing date.
    for (name, tail, want) in [
        (
            "issue20_c12_date_dots.txt",
            "明湖县教育局\n2025.01.25\n",
            Some("2025-01-25"),
        ),
        (
            "issue20_c12_date_slashes.txt",
            "明湖县教育局\n2025/1/25\n",
            Some("2025-01-25"),
        ),
        (
            "issue20_c12_date_dashes.txt",
            "明湖县教育局\n2025-01-25\n",
            Some("2025-01-25"),
        ),
        (
            "issue20_c12_date_mixed_zero.txt",
            "明湖县教育局\n二0二五年一月二十五日\n",
            Some("2025-01-25"),
        ),
        (
            "issue20_c12_date_yuanyue.txt",
            "明湖县教育局\n二〇二五年元月二十五日\n",
            Some("2025-01-25"),
        ),
        (
            "issue20_c12_period_end_is_no_date.txt",
            "数据截至2024年12月31日\n",
            None,
        ),
    ] {
        v.push(meta_case(
            name,
            format!("{base}{tail}"),
            &[("published_on", want)],
            if want.is_none() {
                &[("missing_published_on", "")]
            } else {
                &[]
            },
        ));
    }
    // 28.4: one mention of a district's government in the body does not rename the city's.
    v.push(meta_case(
        "issue28_04_sub_unit_in_body.txt",
        titled("淮安市人民政府2024年政府信息公开工作年度报告").replacen(
            "本报告统计期限",
            "淮安市洪泽区人民政府等单位报送了材料。本报告统计期限",
            1,
        ),
        &[("agency", Some("淮安市人民政府"))],
        &[],
    ));
    // 28.5: no title line, a first paragraph that starts with a sentence: no agency.
    v.push(meta_case(
        "issue28_05_no_title_sentence_start.txt",
        base.replacen("明湖县教育局2024年政府信息公开工作年度报告\n", "", 1)
            .replacen(
                "本报告统计期限",
                "2024年，在县委、县政府的正确领导下，我局认真贯彻落实《条例》。本报告统计期限",
                1,
            ),
        &[("agency", None)],
        &[("missing_agency", "")],
    ));
    // 28.7: a year in brackets after the title's words stays out of the agency.
    v.push(meta_case(
        "issue28_07_bracketed_year_in_title.txt",
        titled("殷都区科学技术局政府信息公开工作年度报告（2024年度）"),
        &[
            ("agency", Some("殷都区科学技术局")),
            ("report_year", Some("2024")),
        ],
        &[],
    ));
    // 28.9: a city's summary report (titled by the division alone) and its government's own
    // report are two series.
    v.push(meta_case(
        "issue28_09_summary_report.txt",
        titled("淮安市2024年政府信息公开工作年度报告"),
        &[
            ("agency", Some("淮安市")),
            ("scope", Some("汇总")),
            ("agency_key", Some("320800:汇总")),
        ],
        &[],
    ));
    v.push(meta_case(
        "issue28_09_own_report.txt",
        titled("淮安市人民政府2024年政府信息公开工作年度报告"),
        &[
            ("agency", Some("淮安市人民政府")),
            ("scope", Some("本级")),
            ("agency_key", Some("320800:政府")),
        ],
        &[],
    ));
    // 28.11: the signing date, not a related link's date after the article.
    v.push(meta_case(
        "issue28_11_related_links_after_signing.txt",
        format!("{base}明湖县教育局\n2025年1月20日\n相关链接\n明湖县文旅局年度报告\n2025-03-05\n"),
        &[("published_on", Some("2025-01-20"))],
        &[],
    ));
    // 28.1–28.3, 28.8: regions and keys through the binary. Each case's title names its agency;
    // the reports table must give the division (or null) and the key.
    for (name, agency, meta) in [
        // 28.1: 河南县 is 青海's 河南蒙古族自治县, never 河南省
        (
            "issue28_01_henan_county.txt",
            "青海省河南县科学技术局",
            &[("province", Some("青海省")), ("adcode", Some("632324"))][..],
        ),
        (
            "issue28_01_hainan_prefecture.txt",
            "海南州财政局",
            &[("province", Some("青海省")), ("adcode", Some("632500"))][..],
        ),
        (
            "issue28_01_ziyun_county.txt",
            "紫云县民政局",
            &[("province", Some("贵州省")), ("adcode", Some("520425"))][..],
        ),
        (
            "issue28_01_minhe_county.txt",
            "民和县教育局",
            &[("province", Some("青海省")), ("adcode", Some("630222"))][..],
        ),
        // a subdistrict of 中山市 is not 攀枝花市东区
        (
            "issue28_01_subdistrict_is_no_county.txt",
            "中山市东区街道办事处",
            &[("province", Some("广东省")), ("adcode", Some("442000"))][..],
        ),
        // 28.2: 宽城县 is 河北's 宽城满族自治县, not 长春市宽城区 (two keys)
        (
            "issue28_02_kuancheng_county.txt",
            "宽城县科学技术局",
            &[
                ("adcode", Some("130827")),
                ("agency_key", Some("130827:科技局")),
            ][..],
        ),
        (
            "issue28_02_kuancheng_district.txt",
            "长春市宽城区科学技术局",
            &[
                ("adcode", Some("220103")),
                ("agency_key", Some("220103:科技局")),
            ][..],
        ),
        // a former name from the dated list: 洪泽县 became 洪泽区 in 2016
        (
            "issue28_02_former_name.txt",
            "洪泽县科学技术局",
            &[
                ("adcode", Some("320813")),
                ("agency_key", Some("320813:科技局")),
            ][..],
        ),
        // 28.3: a new area keeps its name in the key
        (
            "issue28_03_new_area.txt",
            "兰州新区财政局",
            &[
                ("prefecture", Some("兰州市")),
                ("agency_key", Some("620100:兰州新区财政局")),
            ][..],
        ),
        (
            "issue28_03_city.txt",
            "兰州市财政局",
            &[
                ("prefecture", Some("兰州市")),
                ("agency_key", Some("620100:财政局")),
            ][..],
        ),
        // 28.8: 工信局 and 工业和信息化局 are one agency
        (
            "issue28_08_short_form.txt",
            "殷都区工信局",
            &[("agency_key", Some("410505:工信局"))][..],
        ),
        (
            "issue28_08_long_form.txt",
            "殷都区工业和信息化局",
            &[("agency_key", Some("410505:工信局"))][..],
        ),
    ] {
        let mut want = vec![("agency", Some(agency))];
        want.extend_from_slice(meta);
        v.push(meta_case(
            name,
            titled(&format!("{agency}2024年政府信息公开工作年度报告")),
            &want,
            &[],
        ));
    }
    // 20.13: a title year that contradicts the 统计期限 sentence is flagged.
    v.push(meta_case(
        "issue20_c13_year_conflict.txt",
        titled("明湖县教育局2025年政府信息公开工作年度报告"),
        &[("report_year", Some("2025"))],
        &[("year_conflict", "2024")],
    ));
    v
}

fn tmp(name: &str) -> PathBuf {
    common::tmp_dir("reg", name)
}

#[test]
fn every_regression_case_is_right_or_null_with_a_finding() {
    let dir = tmp("cases");
    let input = dir.join("in");
    let out = dir.join("out");
    std::fs::create_dir_all(&input).unwrap();
    let cases = cases();
    for c in &cases {
        std::fs::write(input.join(c.name), &c.bytes).unwrap();
    }
    let run = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("build")
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let cells = common::load_cells(&out);
    let findings = common::load_findings(&out);
    let mut reports: HashMap<String, HashMap<String, Option<String>>> = HashMap::new();
    for b in read(&out.join("reports.parquet")) {
        let year: &arrow_array::Int32Array = b
            .column_by_name("report_year")
            .unwrap()
            .as_any()
            .downcast_ref()
            .unwrap();
        for i in 0..b.num_rows() {
            let mut m = HashMap::new();
            for f in [
                "agency",
                "agency_in_title",
                "scope",
                "published_on",
                "template",
                "status",
                "source_url",
                "site_name",
                "site_id_code",
                "content_source",
                "agency_key",
                "province",
                "prefecture",
                "county",
                "adcode",
                "admin_level",
            ] {
                let a = col(&b, f);
                m.insert(f.to_owned(), (!a.is_null(i)).then(|| a.value(i).to_owned()));
            }
            m.insert(
                "report_year".into(),
                (!year.is_null(i)).then(|| year.value(i).to_string()),
            );
            reports.insert(col(&b, "document").value(i).to_owned(), m);
        }
    }
    let mut errors = Vec::new();
    for c in &cases {
        for (field, want) in &c.meta {
            let got = reports
                .get(c.name)
                .and_then(|m| m.get(*field))
                .cloned()
                .flatten();
            if got.as_deref() != *want {
                errors.push(format!("{} {field}: want {want:?}, got {got:?}", c.name));
            }
        }
        for (key, want) in &c.cells {
            let got = cells.get(&(c.name.to_owned(), (*key).to_owned()));
            let ok = match (want, got) {
                (Want::Value(x), Some((Some(y), _))) => (x - y).abs() < 1e-6,
                (Want::Null, Some((None, _))) => true,
                (Want::ValueOrNull(_), Some((None, _))) => true,
                (Want::ValueOrNull(x), Some((Some(y), _))) => (x - y).abs() < 1e-6,
                (Want::Stated(x), Some((Some(y), status))) => {
                    (x - y).abs() < 1e-6 && status == "stated"
                }
                _ => false,
            };
            if !ok {
                errors.push(format!("{} {key}: want {want:?}, got {got:?}", c.name));
            }
        }
        for (rule, needle) in &c.findings {
            let found = findings
                .get(c.name)
                .is_some_and(|fs| fs.iter().any(|(r, m)| r == rule && m.contains(needle)));
            if !found {
                errors.push(format!(
                    "{}: no {rule} finding mentioning {needle:?}; findings: {:?}",
                    c.name,
                    findings.get(c.name)
                ));
            }
        }
    }
    if std::env::var_os("NIANBAO_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// 19.10: the incremental state keys PDF readings by the reader program too: with another
/// `[pdf] program`, the next run re-reads the PDFs (stale readings were kept before).
#[test]
fn issue19_10_another_pdf_reader_invalidates_cached_readings() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp("pdfkey");
    let input = dir.join("in");
    let out = dir.join("out");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("report.pdf"),
        b"%PDF-1.4\n% a stand-in: the reader below ignores it\n",
    )
    .unwrap();
    let reader = |name: &str, in_force: u32| -> PathBuf {
        let p = dir.join(name);
        let text = report_2021(
            &S2_2021.replace("规章\t0\t0\t5", &format!("规章 0 0 {in_force}")),
            &[],
            S4_ZEROS,
            " ",
        );
        std::fs::write(
            &p,
            format!("#!/bin/sh\ncat >/dev/null\ncat <<'EOF'\n{text}\nEOF\n"),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    };
    let a = reader("reader-a.sh", 5);
    let b = reader("reader-b.sh", 8);
    let in_force = |program: &Path| -> Option<f64> {
        let cfg = dir.join("p.toml");
        std::fs::write(
            &cfg,
            format!(
                "input = '{}'\noutput = '{}'\n[pdf]\nprogram = '{}'\n",
                input.display(),
                out.display(),
                program.display()
            ),
        )
        .unwrap();
        let run = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["build", "--config"])
            .arg(&cfg)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let mut v = None;
        for batch in read(&out.join("cells.parquet")) {
            let vals: &Float64Array = batch
                .column_by_name("value")
                .unwrap()
                .as_any()
                .downcast_ref()
                .unwrap();
            for i in 0..batch.num_rows() {
                if col(&batch, "key").value(i) == "s2.regulation.in_force" && !vals.is_null(i) {
                    v = Some(vals.value(i));
                }
            }
        }
        v
    };
    assert_eq!(in_force(&a), Some(5.0));
    assert_eq!(
        in_force(&b),
        Some(8.0),
        "the second reader's text was not read"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

use common::eval_json;

/// Issue 30.3: Word 97–2003 documents (`.doc`, as LibreOffice saves the generated DOCX reports)
/// are read with their tables: every stated cell right, none wrong or missed, metadata right.
#[test]
fn issue30_legacy_word_documents_read_like_their_docx() {
    score_fixtures("doc", 3, 500, &["doc"; 3]);
}

/// Issue 30.3: a PDF imported into Writer and saved as `.doc` has no text of its own, only
/// text boxes placed on the page; they are laid out by position as the PDF's text is, and give
/// every number of the table (before: the boxes' text in stored order, no number at all).
#[test]
fn issue30_legacy_word_text_boxes_read_by_position() {
    score_fixtures("doc_boxes", 2, 350, &["doc"; 2]);
}

/// Issue 30.3: spreadsheet reports (`.xls` and `.xlsx`, as Calc saves generated reports) are read
/// sheet by sheet as tab-separated rows: every stated cell right, none wrong or missed.
#[test]
fn issue30_spreadsheets_read_like_their_text() {
    score_fixtures("sheet", 4, 700, &["xls", "xls", "xlsx", "xlsx"]);
}

/// Issue 30.3: RTF documents (as LibreOffice saves the generated DOCX reports, and one rewritten
/// as Word writes it on a Chinese system, GBK bytes under `\ansicpg936`) are read with their
/// tables: every stated cell right, none wrong or missed.
#[test]
fn issue30_rtf_documents_read_like_their_docx() {
    score_fixtures("rtf", 3, 500, &["rtf"; 3]);
}

/// Issue 30.3: a format is recognised by its content, not its name: an RTF file and an HTML page
/// saved as `.doc` (as portals publish them) are read as what they are, with their numbers.
#[test]
fn issue30_a_doc_that_is_rtf_or_html_is_read_as_such() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tmp("issue30_disguised");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(
        root.join("tests/fixtures/rtf/docs/synth_000003_docx_2021_gbk.rtf"),
        input.join("rtf_report.doc"),
    )
    .unwrap();
    let page = root.join("data/raw/panel_a_2023_html_utf8.html");
    std::fs::copy(&page, input.join("html_report.doc")).unwrap();
    let out = dir.join("out");
    build_into(&input, &out);
    let reports = common::read(&out.join("reports.parquet"));
    let mut seen: Vec<(String, String, String)> = Vec::new();
    for b in &reports {
        let (d, f, e) = (col(b, "document"), col(b, "format"), col(b, "encoding"));
        for i in 0..b.num_rows() {
            seen.push((d.value(i).into(), f.value(i).into(), e.value(i).into()));
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            ("html_report.doc".into(), "html".into(), "UTF-8".into()),
            ("rtf_report.doc".into(), "rtf".into(), "gb18030".into()),
        ]
    );
    // the RTF's numbers are its DOCX's: a cell of each part, as the generator wrote them
    let gold: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("tests/fixtures/rtf/gold/synth_000003_docx_2021_gbk.json"))
            .unwrap(),
    )
    .unwrap();
    let cells = common::read(&out.join("cells.parquet"));
    let mut found = 0;
    for b in &cells {
        let (d, k, v) = (
            col(b, "document"),
            col(b, "key"),
            b.column_by_name("value").unwrap(),
        );
        let v = v.as_any().downcast_ref::<Float64Array>().unwrap();
        for i in 0..b.num_rows() {
            if d.value(i) != "rtf_report.doc" || v.is_null(i) {
                continue;
            }
            if let Some(want) = gold["values"][k.value(i)].as_f64() {
                assert_eq!(v.value(i), want, "{}", k.value(i));
                found += 1;
            }
        }
    }
    assert!(found > 150, "{found} cells compared");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 30.3: OFD documents (GB/T 33190; generated, with the generator's damage, their text
/// objects placed as the PDF rendering places its text, half of them one character per
/// `TextCode`) are read by position like PDF text: every stated cell right, none wrong or missed;
/// an OFD whose pages hold no text (a scan) is listed with the reason.
#[test]
fn issue30_ofd_documents_read_like_their_pdf() {
    let dir = tmp("issue30_ofd");
    let (input, gold, out) = (dir.join("in"), dir.join("gold"), dir.join("out"));
    nianbao_synth::write_corpus(&input, Some(&gold), 16, 30, true, &["ofd"]).unwrap();
    // an OFD package whose one page holds only an image
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, content) in [
        (
            "OFD.xml",
            r#"<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>/Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#,
        ),
        (
            "Doc_0/Document.xml",
            r#"<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>"#,
        ),
        (
            "Doc_0/Pages/Page_0/Content.xml",
            r#"<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2"><ofd:ImageObject ID="3" Boundary="0 0 210 297" ResourceID="4"/></ofd:Layer></ofd:Content></ofd:Page>"#,
        ),
    ] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    std::fs::write(input.join("scan.ofd"), zip.finish().unwrap().into_inner()).unwrap();
    build_into(&input, &out);
    let s = eval_json(&gold, &out);
    assert_eq!(s["documents"], 16, "{s:#}");
    assert_eq!(s["documents_all_right"], 16, "{s:#}");
    assert_eq!(
        (s["wrong"].as_u64(), s["missed"].as_u64()),
        (Some(0), Some(0)),
        "{s:#}"
    );
    assert!(s["stated_cells"].as_u64().unwrap() > 3000, "{s:#}");
    let reports = common::read(&out.join("reports.parquet"));
    let mut scan = None;
    for b in &reports {
        let (d, f, st, why) = (
            col(b, "document"),
            col(b, "format"),
            col(b, "status"),
            col(b, "reason"),
        );
        for i in 0..b.num_rows() {
            assert_eq!(f.value(i), "ofd");
            if d.value(i) == "scan.ofd" {
                scan = Some((st.value(i).to_owned(), why.value(i).to_owned()));
            }
        }
    }
    let (status, reason) = scan.expect("the scanned OFD is listed");
    assert_eq!(status, "unreadable");
    assert!(reason.contains("OFD without text"), "{reason}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Builds `tests/fixtures/NAME/docs` and scores it against `tests/fixtures/NAME/gold`: all
/// `documents` right, none wrong or missed, more than `cells` stated cells, and the `formats`
/// (sorted) the reader found.
fn score_fixtures(name: &str, documents: u64, cells: u64, formats: &[&str]) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let dir = tmp(&format!("fixtures_{name}"));
    let out = dir.join("out");
    build_into(&fixtures.join("docs"), &out);
    let s = eval_json(&fixtures.join("gold"), &out);
    assert_eq!(s["documents"], documents, "{s:#}");
    assert_eq!(s["documents_all_right"], documents, "{s:#}");
    assert_eq!(
        (s["wrong"].as_u64(), s["missed"].as_u64()),
        (Some(0), Some(0)),
        "{s:#}"
    );
    assert!(s["stated_cells"].as_u64().unwrap() > cells, "{s:#}");
    let mut found: Vec<String> = common::read(&out.join("reports.parquet"))
        .iter()
        .flat_map(|b| {
            let f = common::col(b, "format");
            (0..b.num_rows())
                .map(|i| f.value(i).to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    found.sort();
    assert_eq!(found, formats);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 13: `nianbao eval` scores a dataset against gold files, and lists a wrong cell with
/// its source location.
#[test]
fn eval_scores_a_dataset_and_names_wrong_cells() {
    let dir = tmp("eval");
    let (input, gold, out) = (dir.join("in"), dir.join("gold"), dir.join("out"));
    nianbao_synth::write_corpus(
        &input,
        Some(&gold),
        10,
        11,
        false,
        &["tabbed", "piped", "html"],
    )
    .unwrap();
    build_into(&input, &out);
    let s = eval_json(&gold, &out);
    assert_eq!(s["documents"], 10);
    assert_eq!(s["wrong"], 0, "{s:#}");
    assert_eq!(s["missed"], 0);
    assert_eq!(s["documents_all_right"], 10);
    let stated = s["stated_cells"].as_u64().unwrap();
    assert!(stated > 1000);
    // tamper with one gold number: eval must count it wrong and say where the cell is
    let first = std::fs::read_dir(&gold)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let mut g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    let key = "s3.received_new.total";
    let was = g["values"][key].as_f64().unwrap();
    g["values"][key] = serde_json::json!(was + 1.0);
    std::fs::write(&first, serde_json::to_string(&g).unwrap()).unwrap();
    let s = eval_json(&gold, &out);
    assert_eq!(s["wrong"], 1);
    assert_eq!(s["right"].as_u64().unwrap(), stated - 1);
    assert_eq!(s["documents_all_right"], 9);
    let w = &s["wrong_cells"][0];
    assert_eq!(w["key"], key);
    assert_eq!(w["got"].as_f64(), Some(was));
    assert!(w["source"].as_str().is_some_and(|x| !x.is_empty()), "{w}");

    // issue 29.9: a spot check scores only what it states, with the right value
    let spot = dir.join("spot");
    std::fs::create_dir_all(&spot).unwrap();
    let doc = g["document"].as_str().unwrap().to_owned();
    let spot_gold = serde_json::json!({
        "document": doc, "partial": true,
        "values": { key: was },
    });
    std::fs::write(spot.join("a.json"), spot_gold.to_string()).unwrap();
    let s = eval_json(&spot, &out);
    assert_eq!(
        (s["stated_cells"].as_u64(), s["right"].as_u64()),
        (Some(1), Some(1)),
        "{s:#}"
    );
    assert_eq!(s["wrong"], 0, "{s:#}");
    assert_eq!(s["documents_all_right"], 1, "{s:#}");
    // ... and a gold file that cannot be scored as written is an error, each problem named
    for (name, gold, says) in [
        (
            "absent.json",
            serde_json::json!({"document": "no_such_document.txt", "values": {}}),
            "no_such_document.txt is not in the dataset",
        ),
        (
            "unknown_key.json",
            serde_json::json!({"document": doc, "partial": true, "values": {"s3.granted.totl": 1}}),
            "s3.granted.totl, which is no cell key",
        ),
        (
            "not_a_number.json",
            serde_json::json!({"document": doc, "partial": true, "values": {key: "12"}}),
            "not a number",
        ),
    ] {
        let d = dir.join(name.trim_end_matches(".json"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), gold.to_string()).unwrap();
        let run = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["eval", "--gold"])
            .arg(&d)
            .arg("--dataset")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(says) && err.contains(name), "{name}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `nianbao eval` on the shared gold files: every real report right (skipped without
/// ../shared).
#[test]
fn eval_on_the_shared_gold_files() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if !shared.is_dir() {
        eprintln!("SKIPPED: ../shared is absent, the eval conformance check did not run");
        return;
    }
    let pdf = Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    for (docs, gold, n) in [
        ("seeds", "expected", 5),
        ("corpus/docs", "corpus/expected", 3),
    ] {
        let out = tmp(&format!("evalshared-{n}"));
        build_into(&shared.join(docs), &out);
        let s = eval_json(&shared.join(gold), &out);
        assert_eq!(s["documents"], n);
        // issue 14: every real report's region, from its agency name
        let want: HashMap<&str, (&str, &str)> = HashMap::from([
            ("000_9bb18307f9a892a7.txt", ("654200", "654200:科技局")),
            ("001_1b29eabe76958ce6.txt", ("410505", "410505:科技局")),
            ("002_3e8542fbe6658293.txt", ("650106", "650106:科技局")),
            ("003_6edf186f1117d5aa.txt", ("653126", "653126:科技局")),
            ("004_e80e7c09c77854af.txt", ("640402", "640402:科技局")),
            ("001.pdf", ("320813", "320813:政府")),
            ("004.html", ("310000", "310000:政府办公厅")),
            ("020.txt", ("350128", "350128:政府")),
        ]);
        for b in common::read(&out.join("reports.parquet")) {
            for i in 0..b.num_rows() {
                let doc = common::col(&b, "document").value(i);
                if doc.ends_with(".pdf") && !pdf {
                    continue;
                }
                let (code, key) = want[doc];
                let got = |c: &str| {
                    let a = common::col(&b, c);
                    (!a.is_null(i)).then(|| a.value(i).to_owned())
                };
                assert_eq!(got("adcode").as_deref(), Some(code), "{doc}");
                assert_eq!(got("agency_key").as_deref(), Some(key), "{doc}");
            }
        }
        assert_eq!(s["wrong"], 0, "{s:#}");
        if pdf || docs == "seeds" {
            assert_eq!(s["documents_all_right"], n, "{s:#}");
            assert_eq!(s["missed"], 0);
        } else {
            eprintln!(
                "SKIPPED: the PDF of {docs} needs pdftotext; only the other documents were checked"
            );
        }
        let _ = std::fs::remove_dir_all(&out);
    }
}

/// 20.15: a dangling symlink and a symlink loop in the input folder are listed as unreadable
/// with the reason; the run goes on and publishes the rest.
#[test]
fn issue20_15_broken_links_are_listed_not_fatal() {
    let dir = tmp("links");
    let (input, out) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("report.txt"),
        report_2021(S2_2021, &[], S4_ZEROS, "\t"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.join("nowhere.txt"), input.join("dangling.txt")).unwrap();
    std::os::unix::fs::symlink(&input, input.join("loop")).unwrap();
    build_into(&input, &out);
    let mut reasons = HashMap::new();
    for b in read(&out.join("reports.parquet")) {
        for i in 0..b.num_rows() {
            let r = col(&b, "reason");
            reasons.insert(
                col(&b, "document").value(i).to_owned(),
                (
                    col(&b, "status").value(i).to_owned(),
                    (!r.is_null(i)).then(|| r.value(i).to_owned()),
                ),
            );
        }
    }
    assert_ne!(reasons["report.txt"].0, "unreadable");
    assert_eq!(reasons["dangling.txt"].0, "unreadable");
    assert!(reasons["dangling.txt"]
        .1
        .as_deref()
        .unwrap()
        .contains("target does not exist"));
    assert_eq!(reasons["loop"].0, "unreadable");
    assert!(reasons["loop"].1.as_deref().unwrap().contains("loop"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// 20.16: the nothing-changed skip checks the published files: a deleted table or a damaged
/// CSV makes the next run rebuild instead of saying "unchanged".
#[test]
fn issue20_16_a_damaged_dataset_is_rebuilt_not_skipped() {
    let dir = tmp("skip");
    let (input, out) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("report.txt"),
        report_2021(S2_2021, &[], S4_ZEROS, "\t"),
    )
    .unwrap();
    let run = || -> serde_json::Value {
        let o = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["build", "--json", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    // the inputs must look older than the 2-second window in which mtimes are not trusted
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(run()["unchanged"], false);
    assert_eq!(run()["unchanged"], true, "an unchanged run should skip");
    std::fs::remove_file(out.join("cells.parquet")).unwrap();
    assert_eq!(run()["unchanged"], false, "a deleted table was not rebuilt");
    assert!(out.join("cells.parquet").is_file());
    assert_eq!(run()["unchanged"], true);
    let csv = out.join("reports.csv");
    let mut text = std::fs::read(&csv).unwrap();
    text.truncate(text.len() / 2);
    // the published files are read-only links into a generation: replace, don't write through
    std::fs::remove_file(&csv).unwrap();
    std::fs::write(&csv, text).unwrap();
    assert_eq!(run()["unchanged"], false, "a damaged CSV was not rebuilt");
    let _ = std::fs::remove_dir_all(&dir);
}

/// 20.17: with the state folder deleted and the inputs unchanged, the next run counts nothing
/// added or changed (it compares with the published manifest), and says what was removed.
#[test]
fn issue20_17_a_deleted_state_does_not_make_everything_new() {
    let dir = tmp("state");
    let (input, out) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    for n in ["a.txt", "b.txt", "c.txt"] {
        std::fs::write(
            input.join(n),
            report_2021(S2_2021, &[], S4_ZEROS, "\t").replace("明湖县", n),
        )
        .unwrap();
    }
    let run = || -> serde_json::Value {
        let o = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["build", "--json", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    assert_eq!(run()["added"], 3);
    std::fs::remove_dir_all(dir.join(".out.state")).unwrap();
    std::fs::write(input.join("b.txt"), "changed").unwrap();
    std::fs::remove_file(input.join("c.txt")).unwrap();
    let s = run();
    assert_eq!(
        (
            s["added"].as_u64(),
            s["changed"].as_u64(),
            s["removed"].as_u64()
        ),
        (Some(0), Some(1), Some(1)),
        "{s}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn nianbao(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .output()
        .unwrap()
}

/// Issue 16: the output inside the input folder is never read back; per-run flags; exit codes
/// and messages that name what the user gave.
#[test]
fn issue16_first_hour_of_a_new_user() {
    let dir = tmp("newuser");
    let input = dir.join("reports");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("a.txt"),
        report_2021(S2_2021, &[], S4_ZEROS, "\t"),
    )
    .unwrap();
    let out = input.join("out");
    let os = |s: &str| std::ffi::OsString::from(s);
    let build = |extra: &[&str]| -> serde_json::Value {
        let mut a = vec![
            os("build"),
            os("--json"),
            os("--input"),
            input.clone().into(),
            os("--output"),
            out.clone().into(),
        ];
        a.extend(extra.iter().map(|x| os(x)));
        let refs: Vec<&std::ffi::OsStr> = a.iter().map(|x| x.as_os_str()).collect();
        let o = nianbao(&refs);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    assert_eq!(build(&[])["documents"], 1);
    // the second run does not list out/*.parquet as (unreadable) documents
    let s = build(&["--full"]);
    assert_eq!(s["documents"], 1, "{s}");
    assert_eq!(s["parsed"], 1, "--full reads every document again: {s}");
    // --no-csv and --partition-by-year
    build(&["--full", "--no-csv", "--partition-by-year"]);
    assert!(!out.join("cells.csv").exists() && !out.join("csv").exists());
    assert!(out.join("cells/report_year=2024/part-0.parquet").is_file());
    // a deleted output (a real folder since issue 25) is built again, never taken as unchanged
    std::fs::remove_dir_all(&out).unwrap();
    let s = build(&[]);
    assert_eq!(s["unchanged"], false, "{s}");
    assert!(out.join("reports.parquet").is_file());
    // inspect on a missing file: one line, exit 1
    let o = nianbao(&[&os("inspect"), &os("/nonexistent/report.txt")]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/report.txt"));
    // an unwritable output is named as given, its cause once
    let o = nianbao(&[
        &os("build"),
        &os("--input"),
        input.as_os_str(),
        &os("--output"),
        &os("/proc/nope/out"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/proc/nope/out") && !err.contains(".lock"),
        "{err}"
    );
    assert_eq!(err.matches("os error").count(), 1, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 29.3: the `indicators` of the real reports of `../shared`, against values computed
/// by hand from their gold files (an independent formula for each, written here).
#[test]
fn indicators_of_the_shared_reports_match_hand_computed_values() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if !shared.is_dir() {
        eprintln!("SKIPPED: ../shared is absent, the indicators check on real reports did not run");
        return;
    }
    let out = tmp("indicators-shared");
    build_into(&shared.join("seeds"), &out);
    let mut rows: HashMap<String, HashMap<String, Option<f64>>> = HashMap::new();
    for b in read(&out.join("indicators.parquet")) {
        let doc = col(&b, "document");
        for i in 0..b.num_rows() {
            let mut m = HashMap::new();
            for f in b.schema().fields() {
                if let Some(a) = b
                    .column_by_name(f.name())
                    .unwrap()
                    .as_any()
                    .downcast_ref::<Float64Array>()
                {
                    m.insert(f.name().clone(), (!a.is_null(i)).then(|| a.value(i)));
                }
            }
            rows.insert(doc.value(i).to_owned(), m);
        }
    }
    let mut checked = 0;
    for e in std::fs::read_dir(shared.join("expected")).unwrap() {
        let g: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap();
        let doc = g["document"].as_str().unwrap();
        let v = |k: &str| g["values"][k].as_f64();
        let got = &rows[doc];
        let check = |name: &str, want: Option<f64>| {
            let have = got[name];
            match (want, have) {
                (Some(w), Some(h)) => {
                    assert!((w - h).abs() < 1e-9, "{doc} {name}: want {w}, got {h}")
                }
                (None, None) => {}
                (w, h) => panic!("{doc} {name}: want {w:?}, got {h:?}"),
            }
        };
        let new = v("s3.received_new.total");
        let carried = v("s3.carried_over.total");
        check("applications_new", new);
        check("applications_total", new.zip(carried).map(|(a, b)| a + b));
        let results = v("s3.results_total.total");
        let rate = |num: Option<f64>| {
            num.zip(results)
                .and_then(|(n, d)| (d != 0.0).then(|| n / d))
        };
        check("grant_rate", rate(v("s3.granted.total")));
        let review = v("s4.administrative_review.total");
        check(
            "review_per_100_applications",
            review
                .zip(new)
                .and_then(|(r, n)| (n != 0.0).then(|| r * 100.0 / n)),
        );
        let forward = v("s3.carried_forward.total");
        check(
            "carry_forward_rate",
            forward
                .zip(new.zip(carried))
                .and_then(|(f, (a, b))| (a + b != 0.0).then(|| f / (a + b))),
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
    let _ = std::fs::remove_dir_all(&out);
}
