//! A generated corpus for the front-end benchmark: the declarations of
//! `examples/saas_trial.journey` once, then its journey again and again under new names, until
//! the source reaches the size asked for.

const EXAMPLE: &str = include_str!("../../examples/saas_trial.journey");

/// Journey source of at least `bytes` bytes, in one file.
pub fn corpus(bytes: usize) -> String {
    let start = EXAMPLE.find("journey trial_to_paid {").unwrap_or(0);
    let end = EXAMPLE.find("\ntest ").unwrap_or(EXAMPLE.len());
    let header = &EXAMPLE[..start];
    let journey = &EXAMPLE[start..end];
    let mut out = String::with_capacity(bytes + journey.len() * 2);
    out.push_str(header);
    let mut i = 0;
    while out.len() < bytes {
        out.push_str(&journey.replacen("trial_to_paid", &format!("trial_to_paid_{i}"), 1));
        out.push('\n');
        i += 1;
    }
    out
}
