//! Parsing `journeyc run`'s flags that take a value with its own syntax.

use journeyc::interp::replay::shard::Shard;

/// The longest reorder window: calls inside it are held in memory, and a log a week out of
/// order is not a log to replay as it is.
const MAX_WINDOW: i64 = 7 * 86_400;

/// A reorder window: `0`, or a duration written as in a journey (`30s`, `5m`, `1h30m`, `2d`).
pub fn window(s: &str) -> Result<i64, String> {
    let bad = || format!("`{s}` is not a duration like `30s`, `5m` or `1h` (or `0`)");
    if s == "0" {
        return Ok(0);
    }
    let mut total: i64 = 0;
    let mut number: Option<i64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            let n = number
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|n| n.checked_add(i64::from(d)));
            number = Some(n.ok_or_else(bad)?);
        } else {
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return Err(bad()),
            };
            let n = number.take().ok_or_else(bad)?;
            total = n
                .checked_mul(unit)
                .and_then(|n| total.checked_add(n))
                .ok_or_else(bad)?;
        }
    }
    if number.is_some() || s.is_empty() {
        return Err(bad());
    }
    if total > MAX_WINDOW {
        return Err(format!(
            "`{s}` is longer than a week, the longest reorder window (calls inside it are held in memory); sort the log first, e.g. with `jq -s -c 'sort_by(.timestamp)[]'`"
        ));
    }
    Ok(total)
}

/// The most shards: far beyond any batch system's array size, and small enough to be a typo's
/// guard.
const MAX_SHARDS: u64 = 100_000;

/// `K/N`: shard K (0 to N-1) of N.
pub fn shard(s: &str) -> Result<Shard, String> {
    let bad = || format!("`{s}` is not a shard like `0/4` (shard K of N, K from 0 to N-1)");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let num = |t: &str| {
        t.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse::<u64>().ok())
            .flatten()
            .ok_or_else(bad)
    };
    let (index, count) = (num(k)?, num(n)?);
    if count == 0 || count > MAX_SHARDS {
        return Err(format!(
            "`{s}`: the number of shards must be 1 to {MAX_SHARDS}"
        ));
    }
    if index >= count {
        return Err(format!(
            "`{s}`: shards are numbered from 0, so the last of {count} is {}/{count} (array jobs number theirs from 0 too)",
            count - 1
        ));
    }
    Ok(Shard { index, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_k_of_n_from_zero() {
        assert_eq!(shard("0/1"), Ok(Shard { index: 0, count: 1 }));
        assert_eq!(shard("6/7"), Ok(Shard { index: 6, count: 7 }));
        for bad in [
            "7/7", "1/0", "0", "/3", "a/3", "-1/3", "+1/3", "1/100001", "1 /3",
        ] {
            assert!(shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_read_like_durations() {
        assert_eq!(window("0"), Ok(0));
        assert_eq!(window("30s"), Ok(30));
        assert_eq!(window("1h30m"), Ok(5_400));
        assert_eq!(window("7d"), Ok(604_800));
        for bad in ["", "5", "s", "1x", "8d", "-1s", "99999999999999999999s"] {
            assert!(window(bad).is_err(), "{bad}");
        }
    }
}
