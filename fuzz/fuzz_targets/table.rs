//! The table reader: arbitrary text (digits, dashes, tabs, labels) placed inside a report's
//! part 三, so every byte lands among row labels. Must never panic, and every value it
//! writes must be a number the text holds or one the identities force.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let text = format!(
        "某县2024年政府信息公开工作年度报告\n二、主动公开政府信息情况\n规章{body}\n三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量{body}\n（一）予以公开{body}\n（七）总计{body}\n四、政府信息公开行政复议、行政诉讼情况\n{body}\n五、存在的主要问题及改进情况\n无\n"
    );
    if let Ok(doc) = nianbao_extract::read(text.as_bytes()) {
        let r = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
        for c in &r.cells {
            if let Some(v) = c.value {
                assert!(v.is_finite(), "{}: {v}", c.key);
            }
        }
    }
});
