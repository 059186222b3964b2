//! How much the check digits settle a reading: the probability of the
//! chosen characters of the checked cells among every choice of their
//! candidates that satisfies the check digits.
//!
//! The check-digit search finds the most probable such choice among each
//! cell's few likely characters; this sums over every character each cell
//! allows instead (the same dynamic programme, with sums where the search
//! takes maxima), so that a cell the classifier could not read spreads its
//! probability over every choice that passes, not only over the few it
//! ranked first. When two misread digits of one field
//! make up for each other, or a correction had a near rival that also
//! satisfies every check, the chosen text holds only part of the mass:
//! the checks did not decide between them, and the reading should not be
//! called valid.

use crate::layout::Format;

use super::long_number::{self, Gate};
use super::{CLASSES, CellPlan, FILLER, NEG, composite_of, rule_cells, value, weight};

/// The probability of `choice` on the cells the check digits of `format`
/// cover (and the check digits themselves), given that those checks hold:
/// its probability over the summed probability of every choice of the
/// cells' allowed characters that satisfies them, in any layout
/// ([`long_number`]). 1 when the format has no check; 0 when no choice
/// satisfies them.
///
/// For a text that fails its checks (`passes` false) the figure decides
/// nothing, and the sum takes only the layouts the search tries, which are
/// fewer.
pub(super) fn checked_posterior(
    plan: &CellPlan<'_>,
    format: Format,
    choice: &[usize],
    passes: bool,
) -> f32 {
    let mut checked = vec![false; plan.allowed.len()];
    for rule in format.checks() {
        for i in rule_cells(plan, rule) {
            checked[i] = true;
        }
    }
    if !checked.contains(&true) {
        return 1.0;
    }
    let gate = if passes { Gate::MASS } else { Gate::SEARCH };
    let mut layouts = long_number::layouts(plan, format, gate);
    // The choice's own layout always counts, however unlikely its fillers.
    if let Some(own) = long_number::chosen(plan, format, choice)
        && !layouts.contains(&own)
    {
        layouts.push(own);
    }
    let log_mass = layouts
        .iter()
        .filter_map(|l| log_mass(&plan.narrowed(l), format, &l.fields))
        .fold(NEG, log_add);
    if log_mass == NEG {
        return 0.0;
    }
    let chosen: f32 = checked
        .iter()
        .enumerate()
        .filter(|(_, c)| **c)
        .map(|(i, _)| plan.probs(i)[choice[i]].max(1e-12).ln())
        .sum();
    (chosen - log_mass).exp().min(1.0)
}

/// The natural logarithm of the summed probability of every choice of the
/// allowed characters that satisfies every check digit of `format` laid
/// out as `fields` (its field checks, the composite aside); `None` when
/// none does.
fn log_mass(plan: &CellPlan<'_>, format: Format, fields: &[Vec<usize>]) -> Option<f32> {
    let (comp_weight, comp_digit) = composite_of(plan, format);

    let mut in_field = vec![false; plan.allowed.len()];
    // Summed probability by composite residue so far.
    let mut acc = [NEG; 10];
    acc[0] = 0.0;
    // Fields no composite covers (visas) multiply in on their own.
    let mut apart = 0.0f32;
    let mut candidates = Vec::new();
    for cells in fields {
        for &i in cells {
            in_field[i] = true;
        }
        let table = field_mass(plan, cells, &comp_weight, &mut candidates)?;
        if cells.iter().all(|&i| comp_weight[i].is_some()) {
            acc = convolve(&acc, &table);
        } else {
            let total = table.iter().copied().fold(NEG, log_add);
            if total == NEG {
                return None;
            }
            apart += total;
        }
    }
    let Some(digit) = comp_digit else {
        return Some(apart);
    };
    for i in 0..plan.allowed.len() {
        let Some(w) = comp_weight[i] else { continue };
        if in_field[i] || i == digit {
            continue;
        }
        allowed(plan, i, &mut candidates);
        let mut table = [NEG; 10];
        for &(k, p) in &candidates {
            let r = (w * value(k) % 10) as usize;
            table[r] = log_add(table[r], p.ln());
        }
        acc = convolve(&acc, &table);
    }
    allowed(plan, digit, &mut candidates);
    let total = candidates
        .iter()
        .filter(|&&(k, _)| value(k) <= 9)
        .map(|&(k, p)| acc[value(k) as usize] + p.ln())
        .fold(NEG, log_add);
    (total != NEG).then_some(apart + total)
}

/// One field check's summed probability by composite residue: `cells` are
/// the field's cells followed by its check digit, which must equal the
/// field's residue. The all-filler field (an empty optional data field
/// with a `<` check digit) counts under residue 0.
fn field_mass(
    plan: &CellPlan<'_>,
    cells: &[usize],
    comp_weight: &[Option<u32>],
    candidates: &mut Vec<(usize, f32)>,
) -> Option<[f32; 10]> {
    let (&digit, body) = cells.split_last()?;
    // State: field residue × 10 + composite residue. Summed in plain
    // probabilities (a multiply-add per state and character, where
    // logarithms would cost an exponential each), rescaled after each cell
    // so that the largest state is 1; `scale` keeps the logarithm taken out.
    let mut mass = [0.0f64; 100];
    mass[0] = 1.0;
    let mut scale = 0.0f64;
    for (offset, &i) in body.iter().enumerate() {
        let wf = weight(offset);
        let wc = comp_weight[i].unwrap_or(0);
        allowed(plan, i, candidates);
        let mut next = [0.0f64; 100];
        for (s, &m) in mass.iter().enumerate() {
            if m == 0.0 {
                continue;
            }
            let (rf, rc) = (s as u32 / 10, s as u32 % 10);
            for &(k, p) in candidates.iter() {
                let v = value(k);
                let ns = ((rf + wf * v) % 10 * 10 + (rc + wc * v) % 10) as usize;
                next[ns] += m * f64::from(p);
            }
        }
        let top = next.iter().copied().fold(0.0, f64::max);
        if top == 0.0 {
            return None;
        }
        for m in &mut next {
            *m /= top;
        }
        scale += top.ln();
        mass = next;
    }
    let wc = comp_weight[digit].unwrap_or(0);
    allowed(plan, digit, candidates);
    let mut by_residue = [NEG; 10];
    for (s, &m) in mass.iter().enumerate() {
        if m == 0.0 {
            continue;
        }
        let (rf, rc) = (s / 10, s as u32 % 10);
        for &(k, p) in candidates.iter().filter(|&&(k, _)| k == rf) {
            let r = ((rc + wc * value(k)) % 10) as usize;
            by_residue[r] = log_add(by_residue[r], (m.ln() + scale) as f32 + p.ln());
        }
    }
    let filler: Option<f32> = cells
        .iter()
        .map(|&i| {
            let p = plan.probs(i)[FILLER];
            plan.allowed[i].contains(b'<').then(|| p.max(1e-12).ln())
        })
        .sum();
    if let Some(lp) = filler {
        by_residue[0] = log_add(by_residue[0], lp);
    }
    Some(by_residue)
}

/// Every character cell `i` allows, with its probability (at least
/// 10⁻¹², so that its logarithm is finite).
fn allowed(plan: &CellPlan<'_>, i: usize, out: &mut Vec<(usize, f32)>) {
    out.clear();
    let p = plan.probs(i);
    out.extend(
        (0..CLASSES.len())
            .filter(|&k| plan.allowed[i].contains(CLASSES[k]))
            .map(|k| (k, p[k].max(1e-12))),
    );
}

/// The residue table of two independent parts added together: a
/// sum-product convolution modulo 10, in logarithms.
fn convolve(acc: &[f32; 10], table: &[f32; 10]) -> [f32; 10] {
    let mut next = [NEG; 10];
    for (a, &x) in acc.iter().enumerate() {
        if x == NEG {
            continue;
        }
        for (b, &y) in table.iter().enumerate() {
            if y != NEG {
                next[(a + b) % 10] = log_add(next[(a + b) % 10], x + y);
            }
        }
    }
    next
}

/// `ln(eˣ + eʸ)`, with `NEG` as the logarithm of 0.
fn log_add(x: f32, y: f32) -> f32 {
    if x == NEG {
        return y;
    }
    if y == NEG {
        return x;
    }
    let (hi, lo) = if x > y { (x, y) } else { (y, x) };
    hi + (lo - hi).exp().ln_1p()
}
