//! Record batches → CSV rows, byte for byte what `arrow_csv` writes with its defaults (comma,
//! quotes only where needed, `\n` line ends, nulls as empty fields, floats as `ryu` prints
//! them) — except whole numbers below 10¹⁵, written as integers (`487`, not `487.0`: issue 29,
//! spreadsheets and `read_csv` then see counts as integers) — but without formatting every value into a `String` and then through the `csv`
//! writer's own buffer: strings are copied once, straight from the Arrow buffers into the
//! output, numbers formatted on the stack. Types other than strings, integers and floats go
//! through `arrow_cast`'s formatter, as `arrow_csv` does.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{ArrowError, DataType};

/// An integer column's value at a row, formatted in the given buffer (`None` when null).
type IntField<'a> = Box<dyn Fn(usize, &mut itoa::Buffer) -> Option<&str> + 'a>;

/// How one column's values become field bytes.
enum Column<'a> {
    /// Strings, and whether any of them may need quotes (most columns have none of the special
    /// bytes anywhere: one scan of the column instead of one per value).
    Str(&'a arrow_array::StringArray, bool),
    LargeStr(&'a arrow_array::LargeStringArray),
    F64(&'a arrow_array::Float64Array),
    F32(&'a arrow_array::Float32Array),
    Int(IntField<'a>),
    Other(&'a dyn Array, ArrayFormatter<'a>),
}

fn int_column<'a, T>(a: &'a arrow_array::PrimitiveArray<T>) -> Column<'a>
where
    T: arrow_array::ArrowPrimitiveType,
    T::Native: itoa::Integer,
{
    Column::Int(Box::new(move |i, buf| {
        (!a.is_null(i)).then(|| buf.format(a.value(i)))
    }))
}

impl<'a> Column<'a> {
    fn new(a: &'a dyn Array, options: &FormatOptions<'a>) -> Result<Column<'a>, ArrowError> {
        Ok(match a.data_type() {
            DataType::Utf8 => {
                let a = a.as_string::<i32>();
                let offsets = a.value_offsets();
                let (first, last) = (offsets[0] as usize, offsets[a.len()] as usize);
                Column::Str(a, needs_quotes(&a.value_data()[first..last]))
            }
            DataType::LargeUtf8 => Column::LargeStr(a.as_string::<i64>()),
            DataType::Float64 => Column::F64(a.as_primitive::<Float64Type>()),
            DataType::Float32 => Column::F32(a.as_primitive::<Float32Type>()),
            DataType::Int8 => int_column(a.as_primitive::<Int8Type>()),
            DataType::Int16 => int_column(a.as_primitive::<Int16Type>()),
            DataType::Int32 => int_column(a.as_primitive::<Int32Type>()),
            DataType::Int64 => int_column(a.as_primitive::<Int64Type>()),
            DataType::UInt8 => int_column(a.as_primitive::<UInt8Type>()),
            DataType::UInt16 => int_column(a.as_primitive::<UInt16Type>()),
            DataType::UInt32 => int_column(a.as_primitive::<UInt32Type>()),
            DataType::UInt64 => int_column(a.as_primitive::<UInt64Type>()),
            t if t.is_nested() => {
                return Err(ArrowError::CsvError(format!(
                    "Nested type {t} is not supported in CSV"
                )))
            }
            _ => Column::Other(a, ArrayFormatter::try_new(a, options)?),
        })
    }
}

fn special(b: &u8) -> bool {
    matches!(*b, b',' | b'"' | b'\n' | b'\r')
}

/// Whether `field` holds a comma, a quote or a line break (the bytes `csv` quotes by default).
/// Eight bytes at a time: all four are below `-` (0x2D), which letters, digits and the bytes of
/// multi-byte UTF-8 characters never are.
fn needs_quotes(field: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut chunks = field.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_ne_bytes(c.try_into().expect("chunks of 8"));
        // a byte below 0x2D somewhere in x (Hacker's Delight's "has less than")
        if x.wrapping_sub(ONES * 0x2D) & !x & HIGH != 0 && c.iter().any(special) {
            return true;
        }
    }
    chunks.remainder().iter().any(special)
}

/// Appends `field` as one CSV field: in quotes, with quotes doubled, when it holds a comma, a
/// quote or a line break, else as is.
fn put_field(out: &mut Vec<u8>, field: &[u8]) {
    if !needs_quotes(field) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for part in field.split_inclusive(|&b| b == b'"') {
        out.extend_from_slice(part);
        if part.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// Appends field `c` of a row of `n`: a comma before all but the first, and a row of one
/// empty field written `""`, so that it does not read as a blank line.
fn put_cell(out: &mut Vec<u8>, c: usize, n: usize, field: &[u8]) {
    if c > 0 {
        out.push(b',');
    }
    if n == 1 && field.is_empty() {
        out.extend_from_slice(b"\"\"");
    } else {
        put_field(out, field);
    }
}

/// Formats floats as `ryu` does (`586.7`, `1e16`), except whole numbers below 10¹⁵, written
/// through `itoa` without a decimal point (`258`: most values are counts, and a spreadsheet or
/// `read_csv` should see integers).
#[derive(Default)]
struct Floats {
    ryu: ryu::Buffer,
    int: itoa::Buffer,
    whole: Vec<u8>,
}

impl Floats {
    fn f64(&mut self, x: f64) -> &[u8] {
        // ryu writes a whole number below 1e16 as its digits and ".0"; -0.0 keeps its sign
        if x.fract() == 0.0 && x.abs() < 1e15 && !(x == 0.0 && x.is_sign_negative()) {
            self.whole.clear();
            self.whole
                .extend_from_slice(self.int.format(x as i64).as_bytes());
            &self.whole
        } else {
            self.ryu.format(x).as_bytes()
        }
    }
}

/// Appends the CSV rows of `batch` to `out` (after a header row when `header`).
pub(crate) fn write_rows(
    batch: &RecordBatch,
    header: bool,
    out: &mut Vec<u8>,
) -> Result<(), ArrowError> {
    let n = batch.num_columns();
    if header {
        for (c, f) in batch.schema().fields().iter().enumerate() {
            put_cell(out, c, n, f.name().as_bytes());
        }
        out.push(b'\n');
    }
    let options = FormatOptions::default().with_null("");
    let columns = batch
        .columns()
        .iter()
        .map(|a| Column::new(a.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ints = itoa::Buffer::new();
    let mut floats = Floats::default();
    let mut text = String::new();
    // the rows' size, roughly: string bytes plus a dozen bytes per other value
    let estimate: usize = batch
        .columns()
        .iter()
        .map(|a| match a.data_type() {
            DataType::Utf8 => a.as_string::<i32>().value_data().len() + a.len(),
            _ => 12 * a.len(),
        })
        .sum();
    out.reserve(estimate + batch.num_rows());
    for row in 0..batch.num_rows() {
        for (c, column) in columns.iter().enumerate() {
            let field: &[u8] = match column {
                Column::Str(a, false) if !a.is_null(row) && n > 1 => {
                    // nothing in this column needs quotes
                    if c > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(a.value(row).as_bytes());
                    continue;
                }
                Column::Str(a, _) => match a.is_null(row) {
                    true => b"",
                    false => a.value(row).as_bytes(),
                },
                Column::LargeStr(a) => match a.is_null(row) {
                    true => b"",
                    false => a.value(row).as_bytes(),
                },
                Column::F64(a) => match a.is_null(row) {
                    true => b"",
                    false => floats.f64(a.value(row)),
                },
                Column::F32(a) => match a.is_null(row) {
                    true => b"",
                    false => floats.ryu.format(a.value(row)).as_bytes(),
                },
                Column::Int(f) => f(row, &mut ints).unwrap_or("").as_bytes(),
                Column::Other(a, f) => {
                    text.clear();
                    if !a.is_null(row) {
                        f.value(row).write(&mut text).map_err(|e| {
                            ArrowError::CsvError(format!(
                                "Error processing row {}, col {}: {e}",
                                row + 1,
                                c + 1
                            ))
                        })?;
                    }
                    text.as_bytes()
                }
            };
            put_cell(out, c, n, field);
        }
        out.push(b'\n');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        BooleanArray, Date32Array, Float64Array, Int32Array, StringArray, UInt64Array,
    };
    use std::sync::Arc;

    /// What `arrow_csv` writes for `batch`, with the float column `f`'s whole numbers below
    /// 10¹⁵ written as integers (the one difference, on purpose).
    fn arrow_csv(batch: &RecordBatch, header: bool) -> Vec<u8> {
        let f = batch
            .column_by_name("f")
            .map(|f| f.as_primitive::<Float64Type>());
        let batch = &match f {
            None => batch.clone(),
            Some(f) => {
                let fmt = ArrayFormatter::try_new(f, &FormatOptions::default()).unwrap();
                let texts: Vec<Option<String>> = (0..f.len())
                    .map(|i| {
                        (!f.is_null(i)).then(|| {
                            let x = f.value(i);
                            if x.fract() == 0.0
                                && x.abs() < 1e15
                                && !(x == 0.0 && x.is_sign_negative())
                            {
                                (x as i64).to_string()
                            } else {
                                fmt.value(i).to_string()
                            }
                        })
                    })
                    .collect();
                let i = batch.schema().index_of("f").unwrap();
                let mut cols = batch.columns().to_vec();
                cols[i] = Arc::new(StringArray::from(texts));
                let mut fields: Vec<_> = batch.schema().fields().iter().cloned().collect();
                fields[i] = Arc::new(arrow_schema::Field::new("f", DataType::Utf8, true));
                RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), cols).unwrap()
            }
        };
        let mut buf = Vec::new();
        arrow_csv::WriterBuilder::new()
            .with_header(header)
            .build(&mut buf)
            .write(batch)
            .unwrap();
        buf
    }

    fn batch(strings: Vec<Option<&str>>, floats: Vec<Option<f64>>) -> RecordBatch {
        let n = strings.len();
        RecordBatch::try_from_iter(vec![
            ("s", Arc::new(StringArray::from(strings)) as _),
            ("f", Arc::new(Float64Array::from(floats)) as _),
            (
                "i",
                Arc::new(Int32Array::from_iter(
                    (0..n as i32).map(|i| (i % 3 != 1).then_some(i * -7919)),
                )) as _,
            ),
            (
                "u",
                Arc::new(UInt64Array::from_iter_values(
                    (0..n as u64).map(|i| i * 1_000_000_007),
                )) as _,
            ),
            (
                "b",
                Arc::new(BooleanArray::from_iter(
                    (0..n).map(|i| (i % 4 != 3).then_some(i % 2 == 0)),
                )) as _,
            ),
            (
                "d",
                Arc::new(Date32Array::from_iter(
                    (0..n as i32).map(|i| (i % 5 != 4).then_some(i * 400)),
                )) as _,
            ),
        ])
        .unwrap()
    }

    #[test]
    fn rows_are_byte_for_byte_what_arrow_csv_writes() {
        let strings = vec![
            Some("plain"),
            Some(""),
            None,
            Some("a,b"),
            Some("say \"hi\""),
            Some("two\nlines"),
            Some("cr\r"),
            Some(" lead and trail "),
            Some("第二十条第（一）项\t规章"),
            Some("\"starts with a quote"),
            Some("#"),
        ];
        let floats = vec![
            Some(258.0),
            Some(586.7),
            None,
            Some(-0.0),
            Some(1e21),
            Some(1.5e-7),
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(f64::NEG_INFINITY),
            Some(123456789.125),
            Some(0.1 + 0.2),
        ];
        let mut floats = floats;
        floats.extend(
            [
                999_999_999_999_999.0,
                1e15,
                -1e15,
                1e16 - 2.0,
                9.5e15,
                -7.0,
                0.0,
                1e300,
            ]
            .map(Some),
        );
        let mut strings = strings;
        strings.resize(floats.len(), Some("pad"));
        let b = batch(strings, floats);
        for header in [true, false] {
            let mut ours = Vec::new();
            write_rows(&b, header, &mut ours).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&arrow_csv(&b, header))
            );
        }
    }

    #[test]
    fn a_single_empty_field_is_quoted_like_arrow_csv_does() {
        let b = RecordBatch::try_from_iter(vec![(
            "only",
            Arc::new(StringArray::from(vec![Some(""), None, Some("x")])) as _,
        )])
        .unwrap();
        let mut ours = Vec::new();
        write_rows(&b, true, &mut ours).unwrap();
        assert_eq!(ours, b"only\n\"\"\n\"\"\nx\n");
        assert_eq!(ours, arrow_csv(&b, true));
    }

    proptest::proptest! {
        #[test]
        fn any_strings_and_numbers_match_arrow_csv(
            rows in proptest::collection::vec(
                (proptest::option::of("[a-z,\"\r\n 第条\t#']{0,12}"), proptest::option::of(proptest::num::f64::ANY)),
                0..40,
            )
        ) {
            let (s, f): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
            let b = batch(s.iter().map(|x| x.as_deref()).collect(), f);
            let mut ours = Vec::new();
            write_rows(&b, false, &mut ours).unwrap();
            proptest::prop_assert_eq!(ours, arrow_csv(&b, false));
        }
    }

    #[test]
    fn quoting_is_found_at_every_position_of_long_fields() {
        for special in [b',', b'"', b'\n', b'\r'] {
            for len in 1..20 {
                for at in 0..len {
                    let mut f = vec![b'a'; len];
                    f[at] = special;
                    assert!(needs_quotes(&f), "{special} at {at} of {len}");
                }
                assert!(!needs_quotes(&vec![b' '; len]));
                assert!(!needs_quotes("第二十条".repeat(len).as_bytes()));
            }
        }
    }

    #[test]
    fn an_empty_batch_writes_only_its_header() {
        let b = batch(vec![], vec![]);
        let mut ours = Vec::new();
        write_rows(&b, true, &mut ours).unwrap();
        assert_eq!(ours, b"s,f,i,u,b,d\n");
        assert_eq!(ours, arrow_csv(&b, true));
    }
}
