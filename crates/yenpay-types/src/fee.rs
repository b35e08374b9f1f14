//! The operator's fee, mirrored from Move so that a POS or PSP can show the
//! split before anything is signed.
//!
//! - `fee = floor(amount * fee_bps / 10000)`, computed in `u128`
//!   (`merchant_registry::compute_fee`); `net = amount - fee`.
//! - Refunds return the fee share of the running refunded total:
//!   after refunds totalling `refunded_total` of a payment of `amount` that
//!   carried `fee`, the treasury has returned
//!   `floor(fee * refunded_total / amount)` in all (`invoice::fee_share`). Each
//!   refund returns the difference to the previous total, so any sequence of
//!   partial refunds returns exactly `fee` at full refund and never more.
//!
//! ```
//! use yenpay_types::fee::{fee_returned_by, split};
//! use yenpay_types::limits::FeeBps;
//!
//! let paid = split(1_000, FeeBps::new(250)?); // 2.5 %
//! assert_eq!((paid.fee, paid.net), (25, 975));
//!
//! // Refund 333, then 333, then the rest.
//! let first = fee_returned_by(1_000, paid.fee, 0, 333)?;
//! let second = fee_returned_by(1_000, paid.fee, 333, 333)?;
//! let third = fee_returned_by(1_000, paid.fee, 666, 334)?;
//! assert_eq!(first.fee_returned + second.fee_returned + third.fee_returned, 25);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
use crate::limits::{BPS_DENOMINATOR, FeeBps};

/// How a payment of `amount` divides between the operator and the merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeSplit {
    /// To the operator's treasury.
    pub fee: u64,
    /// To the merchant's payout address.
    pub net: u64,
}

/// The fee on `amount` at `fee_bps`: `floor(amount * fee_bps / 10000)`.
pub fn fee(amount: u64, fee_bps: FeeBps) -> u64 {
    let fee = u128::from(amount) * u128::from(fee_bps.get()) / u128::from(BPS_DENOMINATOR);
    // fee_bps <= 1000 < 10000, so the fee is below `amount` and fits.
    u64::try_from(fee).unwrap_or(amount)
}

/// What the merchant receives: `amount - fee(amount, fee_bps)`.
pub fn net(amount: u64, fee_bps: FeeBps) -> u64 {
    amount - fee(amount, fee_bps)
}

/// The fee and the net of a payment.
pub fn split(amount: u64, fee_bps: FeeBps) -> FeeSplit {
    let fee = fee(amount, fee_bps);
    FeeSplit {
        fee,
        net: amount - fee,
    }
}

/// A refund that the contract would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    /// A refund of zero (`invoice::EZERO_AMOUNT`).
    #[error("a refund must be greater than zero")]
    Zero,
    /// Refunds would total more than was paid (`invoice::EREFUND_EXCEEDS_PAID`).
    #[error("refunds would total {refunded_total}, more than the {paid} paid")]
    ExceedsPaid {
        /// The paid amount.
        paid: u64,
        /// The refunded total this refund would reach.
        refunded_total: u64,
    },
    /// A fee larger than the payment cannot come from this contract.
    #[error("a fee of {fee} on a payment of {paid} is impossible")]
    FeeAbovePayment {
        /// The paid amount.
        paid: u64,
        /// The fee given.
        fee: u64,
    },
}

/// The fee the treasury has returned in all once refunds total
/// `refunded_total`: `floor(fee * refunded_total / paid)`.
///
/// # Errors
/// [`RefundError::ExceedsPaid`] when `refunded_total > paid`,
/// [`RefundError::FeeAbovePayment`] when `fee > paid`.
pub fn fee_returned_total(paid: u64, fee: u64, refunded_total: u64) -> Result<u64, RefundError> {
    if fee > paid {
        return Err(RefundError::FeeAbovePayment { paid, fee });
    }
    if refunded_total > paid {
        return Err(RefundError::ExceedsPaid {
            paid,
            refunded_total,
        });
    }
    if paid == 0 {
        return Ok(0);
    }
    let share = u128::from(fee) * u128::from(refunded_total) / u128::from(paid);
    // share <= fee because refunded_total <= paid.
    Ok(u64::try_from(share).unwrap_or(fee))
}

/// Where one refund's money comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundSplit {
    /// From the operator's treasury (the fee share).
    pub fee_returned: u64,
    /// From the merchant's payout account.
    pub from_payout: u64,
    /// Refunded in all after this refund.
    pub refunded_total: u64,
}

/// Splits a refund of `refund` on a payment of `paid` that carried `fee`,
/// when `refunded_before` was already refunded, as `invoice::refund` does.
///
/// # Errors
/// [`RefundError::Zero`] for a zero refund, [`RefundError::ExceedsPaid`] when
/// the refunds would total more than `paid`, [`RefundError::FeeAbovePayment`]
/// when `fee > paid`.
pub fn fee_returned_by(
    paid: u64,
    fee: u64,
    refunded_before: u64,
    refund: u64,
) -> Result<RefundSplit, RefundError> {
    if refund == 0 {
        return Err(RefundError::Zero);
    }
    let refunded_total = refunded_before
        .checked_add(refund)
        .ok_or(RefundError::ExceedsPaid {
            paid,
            refunded_total: u64::MAX,
        })?;
    let before = fee_returned_total(paid, fee, refunded_before)?;
    let after = fee_returned_total(paid, fee, refunded_total)?;
    let fee_returned = after - before;
    Ok(RefundSplit {
        fee_returned,
        from_payout: refund - fee_returned,
        refunded_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_FEE_BPS;
    use proptest::prelude::*;

    fn bps(value: u64) -> FeeBps {
        FeeBps::new(value).unwrap()
    }

    #[test]
    fn known_splits() {
        // 3.25 % of 999 is 32.4675: floored.
        assert_eq!(split(999, bps(325)), FeeSplit { fee: 32, net: 967 });
        assert_eq!(split(1, bps(1000)), FeeSplit { fee: 0, net: 1 });
        assert_eq!(split(10, bps(1000)), FeeSplit { fee: 1, net: 9 });
        // No overflow at the top of u64: the product is taken in u128.
        assert_eq!(fee(u64::MAX, bps(1000)), u64::MAX / 10);
        assert_eq!(net(100, FeeBps::ZERO), 100);
    }

    #[test]
    fn known_refunds() {
        // fee 7 on 100: refunds 50 + 50 return 3 then 4.
        let first = fee_returned_by(100, 7, 0, 50).unwrap();
        assert_eq!(
            first,
            RefundSplit {
                fee_returned: 3,
                from_payout: 47,
                refunded_total: 50
            }
        );
        let second = fee_returned_by(100, 7, 50, 50).unwrap();
        assert_eq!(second.fee_returned, 4);
        assert_eq!(second.from_payout, 46);
        assert_eq!(fee_returned_by(100, 7, 0, 0), Err(RefundError::Zero));
        assert_eq!(
            fee_returned_by(100, 7, 60, 41),
            Err(RefundError::ExceedsPaid {
                paid: 100,
                refunded_total: 101
            })
        );
        assert_eq!(
            fee_returned_total(5, 6, 1),
            Err(RefundError::FeeAbovePayment { paid: 5, fee: 6 })
        );
    }

    proptest! {
        #[test]
        fn fee_plus_net_is_amount(amount in any::<u64>(), fee_bps in 0..=MAX_FEE_BPS) {
            let s = split(amount, bps(fee_bps));
            prop_assert_eq!(s.fee + s.net, amount);
            prop_assert_eq!(s.fee, fee(amount, bps(fee_bps)));
            prop_assert_eq!(s.net, net(amount, bps(fee_bps)));
            // At most 10 %.
            prop_assert!(s.fee <= amount / 10);
        }

        #[test]
        fn fee_is_monotone_in_amount(a in any::<u64>(), b in any::<u64>(), fee_bps in 0..=MAX_FEE_BPS) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(fee(low, bps(fee_bps)) <= fee(high, bps(fee_bps)));
        }

        #[test]
        fn partial_refunds_return_exactly_the_fee(
            amount in 1u64..=10_000_000,
            fee_bps in 0..=MAX_FEE_BPS,
            cuts in proptest::collection::vec(any::<u64>(), 0..8),
        ) {
            let paid_fee = fee(amount, bps(fee_bps));
            // Split `amount` into refunds at the (deduplicated, sorted) cut points.
            let mut points: Vec<u64> = cuts.iter().map(|c| c % amount).filter(|&c| c > 0).collect();
            points.push(amount);
            points.sort_unstable();
            points.dedup();
            let mut before = 0;
            let mut returned = 0;
            for point in points {
                let refund = point - before;
                let step = fee_returned_by(amount, paid_fee, before, refund).unwrap();
                returned += step.fee_returned;
                prop_assert!(returned <= paid_fee, "returned {returned} > fee {paid_fee}");
                prop_assert_eq!(step.fee_returned + step.from_payout, refund);
                prop_assert_eq!(step.refunded_total, point);
                before = point;
            }
            prop_assert_eq!(returned, paid_fee);
        }

        #[test]
        fn no_refund_beyond_the_paid_amount(
            amount in 1u64..=u64::MAX / 2,
            before_fraction in 0u64..=100,
            extra in 1u64..=1_000,
        ) {
            let paid_fee = fee(amount, bps(1000));
            let before = amount / 100 * before_fraction;
            let refund = amount - before + extra;
            let refused = matches!(
                fee_returned_by(amount, paid_fee, before, refund),
                Err(RefundError::ExceedsPaid { .. })
            );
            prop_assert!(refused);
        }
    }
}
