//! Calendar dates as the language, fact files and plugins write them: `YYYY-MM-DD`. The one
//! parser every phase uses (the checker's date literals, schema validation of `date` fields, the
//! evaluator, plugin results, `--today`).

/// Today's date in UTC.
pub fn today_utc() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// A valid calendar date written exactly `YYYY-MM-DD` (`2024-02-29`, not `2023-02-29`).
pub fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return None;
    }
    let y: i16 = s.get(0..4)?.parse().ok()?;
    let m: i8 = s.get(5..7)?.parse().ok()?;
    let d: i8 = s.get(8..10)?.parse().ok()?;
    jiff::civil::Date::new(y, m, d).ok()
}

/// The date of a fact value: a `YYYY-MM-DD` date, or the calendar date that starts a timestamp
/// (`2024-05-01T10:00:00Z`, `2024-05-01 10:00`).
pub fn parse_date_or_timestamp(s: &str) -> Option<jiff::civil::Date> {
    if s.len() > 10 && !s.get(10..).is_some_and(|r| r.starts_with(['T', 't', ' '])) {
        return None;
    }
    parse_date(s.get(0..10)?)
}

/// `YYYY-MM-DD`.
pub fn format_date(d: jiff::civil::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_on_the_calendar() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2024-13-01").is_none());
        assert!(parse_date("2020/02/02").is_none());
        assert!(parse_date("+024-01-01").is_none());
        assert!(parse_date("2024-1-011").is_none());
        assert!(parse_date("2024-05-01T10:00:00Z").is_none());
        assert_eq!(
            parse_date_or_timestamp("2024-11-24T13:10:49Z").map(format_date),
            Some("2024-11-24".to_string())
        );
        assert!(parse_date_or_timestamp("2024-11-24 13:10").is_some());
        assert!(parse_date_or_timestamp("2024-11-24x").is_none());
        assert!(parse_date_or_timestamp("2023-02-29T00:00").is_none());
    }
}
