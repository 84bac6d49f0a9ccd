//! A decimal range in a population or a behavior rule's fields (`x = 1.50..99.99`) draws one
//! of the values at the range's scale, each as likely: the scale is the most places either end
//! is written with, so `1.50..99.99` draws 1.50, 1.51, …, 99.99 and `1..100` whole numbers.
//! One random number per draw, as every other draw takes, so the same seed gives the same
//! customers. A range with more steps than 2^62 (a huge range at many places) is drawn at fewer
//! places; wider than 2^62 whole numbers, it draws from its low end up to 2^62 above it, as a
//! whole-number range clamps its span; a range whose width a decimal cannot hold is its low end.

use super::model::CDraw;
use crate::interp::value::Val;
use rust_decimal::Decimal;

/// Most steps a range is drawn in.
const MAX_STEPS: u64 = 1 << 62;

pub fn range(lo: Decimal, hi: Decimal) -> CDraw {
    let Some(width) = hi.checked_sub(lo) else {
        return CDraw::Fixed(Val::Dec(lo));
    };
    let mut scale = lo.scale().max(hi.scale());
    loop {
        let (mut w, mut l) = (width, lo);
        w.rescale(scale);
        l.rescale(scale);
        let fits = w.scale() == scale && l.scale() == scale;
        match u64::try_from(w.mantissa()) {
            Ok(steps) if fits && steps <= MAX_STEPS => {
                return CDraw::Dec(l.mantissa(), steps, scale)
            }
            _ if scale == 0 && fits => return CDraw::Dec(l.mantissa(), MAX_STEPS, 0),
            _ if scale == 0 => return CDraw::Fixed(Val::Dec(lo)),
            _ => scale -= 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::simulate::rng::Stream;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_range_draws_at_its_scale_within_its_ends() {
        let draw = range(dec("1.50"), dec("99.99"));
        assert!(matches!(draw, CDraw::Dec(150, 9849, 2)), "{draw:?}");
        let mut rng = Stream::new(7);
        let mut seen_low_places = false;
        for _ in 0..2000 {
            let Val::Dec(d) = draw.sample(&mut rng) else {
                panic!("a decimal is drawn")
            };
            assert!(d >= dec("1.50") && d <= dec("99.99"), "{d}");
            assert_eq!(d.scale(), 2, "{d}");
            seen_low_places |= d.mantissa() % 10 != 0;
        }
        assert!(seen_low_places, "the hundredths are drawn too");
    }

    #[test]
    fn the_same_seed_draws_the_same_decimals() {
        let draw = range(dec("-5.5"), dec("5.5"));
        let take = |seed| {
            let mut rng = Stream::new(seed);
            (0..50).map(|_| draw.sample(&mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(take(3), take(3));
        assert_ne!(take(3), take(4));
        assert!(take(3)
            .iter()
            .any(|v| matches!(v, Val::Dec(d) if d.is_sign_negative())));
    }

    #[test]
    fn a_huge_range_is_drawn_at_fewer_places_and_an_impossible_one_is_its_low_end() {
        let draw = range(dec("0.0000000001"), dec("79228162514264337593543950"));
        assert!(
            matches!(draw, CDraw::Dec(_, steps, _) if steps <= MAX_STEPS),
            "{draw:?}"
        );
        // Exactly: no places at all, from the low end (0 at no places) up to 2^62 above it.
        assert!(matches!(draw, CDraw::Dec(0, MAX_STEPS, 0)), "{draw:?}");
        // The same with a low end that has places: read at none too (2.5 rounds to 3).
        let draw = range(dec("2.5"), dec("79228162514264337593543950"));
        assert!(matches!(draw, CDraw::Dec(3, MAX_STEPS, 0)), "{draw:?}");
        // 10^17 wide at one place is 10^18 steps (below 2^62); at two it would be 10^19.
        let draw = range(dec("0.5"), dec("100000000000000000.5"));
        assert!(
            matches!(draw, CDraw::Dec(5, 1_000_000_000_000_000_000, 1)),
            "{draw:?}"
        );
        // Half a unit wide, but the low end has no room for a place: drawn at none.
        let draw = range(
            dec("-7922816251426433759354395034"),
            dec("-7922816251426433759354395033.5"),
        );
        assert!(
            matches!(draw, CDraw::Dec(-7922816251426433759354395034, _, 0)),
            "{draw:?}"
        );
        let draw = range(Decimal::MIN, Decimal::MAX);
        assert!(matches!(draw, CDraw::Fixed(Val::Dec(d)) if d == Decimal::MIN));
    }
}
