//! The flat index's scan kernels: dot products of `f32` and of int8 rows (AVX2 code when the
//! CPU has it, chosen at run time, portable code otherwise), per-row int8 quantization, and a
//! top-k selection that splits a large scan across cores.
//!
//! A large search scans the int8 copy of the rows (a quarter of the memory traffic of `f32`),
//! keeps a shortlist several times the size asked for, and re-scores the shortlist exactly in
//! `f32`: the scores returned are exact, and recall against an exact scan is measured by
//! `storybank bench-scan` (README, Speed). A very large one reads one sign bit per dimension
//! first ([`top_k_bits`], 48 bytes a row at 384 dimensions) and scans only that pass's
//! shortlist in int8.

/// Dot product with eight independent accumulators so the compiler vectorises it.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: the CPU has AVX2 and FMA (checked at run time just above).
        return unsafe { dot_avx2(a, b) };
    }
    dot_portable(a, b)
}

/// Dot product of two int8 rows, exact in `i32` (384 x 127 x 127 is far from overflow). Codes
/// are in `-127..=127`, as [`quantize_into`] writes them (the AVX2 kernel's sign trick has no
/// room for -128).
#[inline]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    dot_i8_kernel()(a, b)
}

/// The int8 dot product for this CPU, chosen once per scan rather than once per row.
pub fn dot_i8_kernel() -> fn(&[i8], &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        return |a, b| {
            // SAFETY: returned only when the CPU has AVX2 (checked just above).
            unsafe { dot_i8_avx2(a, b) }
        };
    }
    dot_i8_portable
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn avx2() -> bool {
    // The standard library caches the CPUID answer: this is an atomic load.
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

#[inline(always)]
fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0.0f32; 8];
    let chunks_a = a.chunks_exact(8);
    let chunks_b = b.chunks_exact(8);
    let tail: f32 = chunks_a.remainder().iter().zip(chunks_b.remainder()).map(|(x, y)| x * y).sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for lane in 0..8 {
            sums[lane] += ca[lane] * cb[lane];
        }
    }
    sums.iter().sum::<f32>() + tail
}

#[inline(always)]
fn dot_i8_portable(a: &[i8], b: &[i8]) -> i32 {
    let mut sums = [0i32; 16];
    let chunks_a = a.chunks_exact(16);
    let chunks_b = b.chunks_exact(16);
    let tail: i32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for lane in 0..16 {
            sums[lane] += i32::from(ca[lane]) * i32::from(cb[lane]);
        }
    }
    sums.iter().sum::<i32>() + tail
}

/// The portable loop compiled for AVX2 (eight `f32` lanes per instruction; no FMA contraction,
/// so the sums are the portable code's).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    dot_portable(a, b)
}

/// 32 codes per step: `|a| * (b with a's sign)` as unsigned x signed byte products summed in
/// pairs (`maddubs`: at most 2 x 127 x 127, no saturation), then in fours into `i32` lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
    use std::arch::x86_64::*;
    let n = a.len().min(b.len());
    let steps = n / 32;
    let mut total = 0i32;
    // SAFETY: every load reads 32 bytes inside both slices (`i < steps`); AVX2 is enabled.
    unsafe {
        let ones = _mm256_set1_epi16(1);
        let mut sum = _mm256_setzero_si256();
        for i in 0..steps {
            let va = _mm256_loadu_si256(a.as_ptr().add(i * 32).cast::<__m256i>());
            let vb = _mm256_loadu_si256(b.as_ptr().add(i * 32).cast::<__m256i>());
            let pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(va, va), _mm256_sign_epi8(vb, va));
            sum = _mm256_add_epi32(sum, _mm256_madd_epi16(pairs, ones));
        }
        let half = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
        let quarter = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0b01_00_11_10));
        let lanes = _mm_add_epi32(quarter, _mm_shuffle_epi32(quarter, 0b10_11_00_01));
        total += _mm_cvtsi128_si32(lanes);
    }
    total + dot_i8_portable(&a[steps * 32..n], &b[steps * 32..n])
}

/// Rows per block of [`dots_i8`] in [`top_k_i8`]: their scores stay in L1 between the kernel
/// and the selection.
const BLOCK_ROWS: usize = 256;

/// The dot products of `query` with each of the consecutive rows of `codes` (rows of
/// `query.len()` codes), written to `out` (one per row), exact in `i32`. One call covers a
/// block of rows, so the kernel runs as a tight loop over contiguous memory instead of one
/// indirect call per row: the AVX-512 VNNI kernel (`vpdpbusd`, 64 codes per instruction) when
/// the CPU has it and rows are a multiple of 64 codes, else the AVX2 one, else portable code.
pub fn dots_i8(query: &[i8], codes: &[i8], out: &mut [i32]) {
    let dim = query.len();
    if dim == 0 {
        out.fill(0);
        return;
    }
    debug_assert_eq!(codes.len(), out.len() * dim);
    #[cfg(target_arch = "x86_64")]
    {
        if dim.is_multiple_of(64) && vnni() {
            // SAFETY: the CPU has AVX-512F/BW and VNNI (checked just above); rows are whole
            // multiples of 64 codes.
            unsafe { dots_i8_vnni(query, codes, out) };
            return;
        }
        if avx2() {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { dots_i8_avx2(query, codes, out) };
            return;
        }
    }
    for (row, slot) in codes.chunks_exact(dim).zip(out.iter_mut()) {
        *slot = dot_i8_portable(query, row);
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn vnni() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vnni")
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dots_i8_avx2(query: &[i8], codes: &[i8], out: &mut [i32]) {
    let dim = query.len();
    for (row, slot) in codes.chunks_exact(dim).zip(out.iter_mut()) {
        // SAFETY: AVX2 is enabled for this function, as the callee requires.
        *slot = unsafe { dot_i8_avx2(query, row) };
    }
}

/// `vpdpbusd` multiplies unsigned by signed bytes: a row's codes are offset by 128 (a sign-bit
/// flip) and the query's sum times 128 is taken off again, so the result is exact.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn dots_i8_vnni(query: &[i8], codes: &[i8], out: &mut [i32]) {
    use std::arch::x86_64::*;
    let dim = query.len();
    let steps = dim / 64;
    let offset: i32 = 128 * query.iter().map(|&c| i32::from(c)).sum::<i32>();
    // SAFETY: every load reads 64 bytes inside `query` (i < steps) or inside the row, which
    // `chunks_exact(dim)` bounds; the features are enabled on this function.
    unsafe {
        let flip = _mm512_set1_epi8(-128);
        for (row, slot) in codes.chunks_exact(dim).zip(out.iter_mut()) {
            let mut sum = _mm512_setzero_si512();
            for i in 0..steps {
                let q = _mm512_loadu_si512(query.as_ptr().add(i * 64).cast());
                let r = _mm512_loadu_si512(row.as_ptr().add(i * 64).cast());
                sum = _mm512_dpbusd_epi32(sum, _mm512_xor_si512(r, flip), q);
            }
            *slot = _mm512_reduce_add_epi32(sum) - offset;
        }
    }
}

/// The `k` best `(score, row)` pairs over rows `0..scales.len()` of a contiguous int8 matrix,
/// skipping rows where `live` is false; `score = query_scale * scales[row] * dot`. Unordered.
/// Blocks of rows go through [`dots_i8`]; the scan splits across cores like [`top_k`].
pub fn top_k_i8<L>(
    query: &[i8],
    query_scale: f32,
    codes: &[i8],
    scales: &[f32],
    live: L,
    k: usize,
) -> Vec<(f32, u32)>
where
    L: Fn(usize) -> bool + Sync,
{
    let dim = query.len();
    let rows = scales.len().min(codes.len().checked_div(dim).unwrap_or(0));
    let part = |start: usize, end: usize| {
        let mut dots = [0i32; BLOCK_ROWS];
        let blocks = (start..end).step_by(BLOCK_ROWS).flat_map(|block| {
            let n = BLOCK_ROWS.min(end - block);
            dots_i8(query, &codes[block * dim..(block + n) * dim], &mut dots[..n]);
            let scored: Vec<(f32, u32)> = (block..block + n)
                .filter(|&row| live(row))
                .map(|row| (query_scale * scales[row] * dots[row - block] as f32, row as u32))
                .collect();
            scored
        });
        best_of(blocks, k)
    };
    split_rows(rows, k, part)
}

/// The `k` best of `part(start, end)` over rows `0..rows`: one call, or one per core over equal
/// ranges when the scan is large and no other search is running (see [`scan_threads`]).
fn split_rows<P>(rows: usize, k: usize, part: P) -> Vec<(f32, u32)>
where
    P: Fn(usize, usize) -> Vec<(f32, u32)> + Sync,
{
    let threads = scan_threads();
    if threads <= 1 || rows < PARALLEL_MIN_ROWS {
        return part(0, rows);
    }
    let per = rows.div_ceil(threads);
    let parts: Vec<Vec<(f32, u32)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..rows)
            .step_by(per)
            .map(|start| {
                let part = &part;
                scope.spawn(move || part(start, (start + per).min(rows)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    best(parts.into_iter().flatten().collect(), k)
}

/// Appends the int8 codes of `vector` to `codes` and returns its scale: `vector[i]` is about
/// `codes[i] * scale`, with the largest magnitude mapped to 127 (per row, so a row's error is
/// at most half a step of its own range).
pub fn quantize_into(vector: &[f32], codes: &mut Vec<i8>) -> f32 {
    let max = vector.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if max == 0.0 || !max.is_finite() {
        codes.extend(std::iter::repeat_n(0i8, vector.len()));
        return 0.0;
    }
    let scale = max / 127.0;
    codes.extend(vector.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8));
    scale
}

/// Words of sign bits per row of `dimension` values.
pub fn bit_words(dimension: usize) -> usize {
    dimension.div_ceil(64)
}

/// Appends the sign bits of `vector` to `bits` ([`bit_words`] words: bit `i % 64` of word
/// `i / 64` is set when `vector[i] > 0`): a 32x smaller copy of a row, for the first pass over
/// a very large index ([`top_k_bits`]).
pub fn sign_bits_into(vector: &[f32], bits: &mut Vec<u64>) {
    for chunk in vector.chunks(64) {
        let mut word = 0u64;
        for (bit, &value) in chunk.iter().enumerate() {
            if value > 0.0 {
                word |= 1 << bit;
            }
        }
        bits.push(word);
    }
}

/// A query prepared for [`top_k_bits`]: its values in 4 bits (`lo + step * code`), one bit
/// plane per code bit, so `sum of query values where a row's bit is set` is four `and` +
/// `popcnt` per word (asymmetric: the query keeps 16 levels, the rows 2).
#[derive(Debug, Clone)]
pub struct BitQuery {
    planes: [Vec<u64>; 4],
    lo: f32,
    step: f32,
    sum: f32,
}

impl BitQuery {
    /// Prepares `query` (already centred like the rows).
    pub fn new(query: &[f32]) -> BitQuery {
        let lo = query.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = query.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let step = if hi > lo && (hi - lo).is_finite() { (hi - lo) / 15.0 } else { 0.0 };
        let words = bit_words(query.len());
        let mut planes: [Vec<u64>; 4] = std::array::from_fn(|_| vec![0u64; words]);
        let mut sum = 0.0;
        for (i, &value) in query.iter().enumerate() {
            let code =
                if step > 0.0 { ((value - lo) / step).round().clamp(0.0, 15.0) as u32 } else { 0 };
            sum += lo + step * code as f32;
            for (bit, plane) in planes.iter_mut().enumerate() {
                if code >> bit & 1 == 1 {
                    plane[i / 64] |= 1 << (i % 64);
                }
            }
        }
        BitQuery { planes, lo: if lo.is_finite() { lo } else { 0.0 }, step, sum }
    }

    /// `query . s` for a row's signs `s` (+1 where its bit is set, else -1), in the query's
    /// 4-bit values.
    #[inline(always)]
    fn dot_signs(&self, row: &[u64]) -> f32 {
        let (mut set, mut weighted) = (0u32, 0u32);
        for (w, &word) in row.iter().enumerate() {
            set += word.count_ones();
            weighted += (self.planes[0][w] & word).count_ones()
                + 2 * (self.planes[1][w] & word).count_ones()
                + 4 * (self.planes[2][w] & word).count_ones()
                + 8 * (self.planes[3][w] & word).count_ones();
        }
        2.0 * (self.lo * set as f32 + self.step * weighted as f32) - self.sum
    }
}

/// The `k` best `(estimate, row)` pairs of a contiguous sign-bit matrix for `query`, skipping
/// rows where `live` is false; the estimate is `query . signs`, which ranks rows like the
/// dot product of the centred vectors. Unordered. A first pass that reads 48 bytes a row at
/// 384 dimensions (split across cores like [`top_k_i8`]): its shortlist is re-scored in int8,
/// then exactly. (Scaling each row's estimate by its projection onto its signs, as RaBitQ does
/// after a random rotation, lost recall here: 0.968 against 0.995 at depth 10.)
pub fn top_k_bits<L>(query: &BitQuery, bits: &[u64], live: L, k: usize) -> Vec<(f32, u32)>
where
    L: Fn(usize) -> bool + Sync,
{
    let words = query.planes[0].len();
    if words == 0 {
        return vec![];
    }
    let rows = bits.len() / words;
    let part = |start: usize, end: usize| {
        let mut estimates = vec![0.0f32; end - start];
        estimate_all(query, &bits[start * words..end * words], &mut estimates);
        best_of(
            estimates
                .iter()
                .enumerate()
                .map(|(i, &e)| (e, start + i))
                .filter(|&(_, row)| live(row))
                .map(|(e, row)| (e, row as u32)),
            k,
        )
    };
    split_rows(rows, k, part)
}

/// [`BitQuery::dot_signs`] of every row, with the CPU's `popcnt` instruction when it has one.
fn estimate_all(query: &BitQuery, bits: &[u64], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has POPCNT (checked just above).
        unsafe { estimate_all_popcnt(query, bits, out) };
        return;
    }
    estimate_all_portable(query, bits, out);
}

#[inline(always)]
fn estimate_all_portable(query: &BitQuery, bits: &[u64], out: &mut [f32]) {
    let words = query.planes[0].len();
    for (row, slot) in bits.chunks_exact(words).zip(out.iter_mut()) {
        *slot = query.dot_signs(row);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn estimate_all_popcnt(query: &BitQuery, bits: &[u64], out: &mut [f32]) {
    estimate_all_portable(query, bits, out)
}

/// Threads a large scan may use now: the machine's cores, or one while other searches run.
/// A scan splits across cores only while it is the only search running: under load every core
/// already has a search of its own, and splitting one only adds thread hand-offs and memory
/// contention.
fn scan_threads() -> usize {
    if crate::pool::running() > 1 {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Rows scanned before a search splits across cores (below it, starting threads costs more
/// than it saves).
pub const PARALLEL_MIN_ROWS: usize = 32_768;

/// The `k` best `(score, row)` pairs among `rows`, scored by `score`; unordered. Splits the
/// scan over the machine's cores when there are at least [`PARALLEL_MIN_ROWS`] rows.
pub fn top_k<S>(rows: &[u32], k: usize, score: S) -> Vec<(f32, u32)>
where
    S: Fn(u32) -> f32 + Sync,
{
    split_rows(rows.len(), k, |start, end| {
        best_of(rows[start..end].iter().map(|&row| (score(row), row)), k)
    })
}

/// Highest score first; ties by row, so results do not depend on how a scan was split.
pub fn by_score(a: &(f32, u32), b: &(f32, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The `k` best of a stream, keeping at most `2k` at a time: once the buffer is full it is cut
/// to its best `k`, and scores below the k-th of those are skipped without being stored
/// (selecting over the whole scan cost more than the int8 dot products).
fn best_of(scored: impl Iterator<Item = (f32, u32)>, k: usize) -> Vec<(f32, u32)> {
    if k == 0 {
        return vec![];
    }
    let mut buffer = Vec::with_capacity(2 * k);
    let mut floor = f32::NEG_INFINITY;
    for item in scored {
        if item.0 < floor {
            continue;
        }
        buffer.push(item);
        if buffer.len() == 2 * k {
            buffer.select_nth_unstable_by(k - 1, by_score);
            buffer.truncate(k);
            floor = buffer[k - 1].0;
        }
    }
    best(buffer, k)
}

fn best(mut scored: Vec<(f32, u32)>, k: usize) -> Vec<(f32, u32)> {
    if k == 0 {
        return vec![];
    }
    if scored.len() > k {
        scored.select_nth_unstable_by(k - 1, by_score);
        scored.truncate(k);
    }
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simd_kernels_match_the_portable_ones() {
        for len in [0, 1, 7, 8, 15, 16, 17, 384, 387, 768] {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.91).cos()).collect();
            let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - naive).abs() < 1e-3, "f32, {len}");
            assert_eq!(dot(&a, &b), dot_portable(&a, &b), "f32 kernels agree, {len}");
            let ca: Vec<i8> =
                (0..len).map(|i| ((i * 37) % 255) as u8 as i8).map(|c| c.max(-127)).collect();
            let cb: Vec<i8> =
                (0..len).map(|i| ((i * 91 + 3) % 255) as u8 as i8).map(|c| c.max(-127)).collect();
            let naive: i32 = ca.iter().zip(&cb).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum();
            assert_eq!(dot_i8(&ca, &cb), naive, "i8, {len}");
            assert_eq!(dot_i8_portable(&ca, &cb), naive, "portable i8, {len}");
        }
        for (x, y) in [(-127i8, -127i8), (127, -127), (127, 127)] {
            let (a, b) = (vec![x; 768], vec![y; 768]);
            assert_eq!(dot_i8(&a, &b), 768 * i32::from(x) * i32::from(y));
        }
    }

    #[test]
    fn scans_stay_on_one_core_while_other_searches_run() {
        let (_a, _b) = (crate::pool::Running::start(), crate::pool::Running::start());
        assert_eq!(scan_threads(), 1);
        // Still the same best, on one thread.
        let rows: Vec<u32> = (0..(PARALLEL_MIN_ROWS as u32 + 10)).collect();
        let score = |row: u32| (row.wrapping_mul(2_654_435_761) >> 20) as f32;
        let mut one = top_k(&rows, 5, score);
        one.sort_by(by_score);
        assert_eq!(one, best(rows.iter().map(|&r| (score(r), r)).collect(), 5).tap_sort());
    }

    trait TapSort {
        fn tap_sort(self) -> Self;
    }

    impl TapSort for Vec<(f32, u32)> {
        fn tap_sort(mut self) -> Self {
            self.sort_by(by_score);
            self
        }
    }

    #[test]
    fn block_kernels_match_the_row_kernel() {
        for dim in [0usize, 64, 100, 384, 768] {
            let rows = 300;
            let codes: Vec<i8> = (0..rows * dim)
                .map(|i| ((i * 7919 + 13) % 255) as u8 as i8)
                .map(|c| c.max(-127))
                .collect();
            let query: Vec<i8> =
                (0..dim).map(|i| ((i * 31 + 5) % 255) as u8 as i8).map(|c| c.max(-127)).collect();
            let mut out = vec![-1i32; rows];
            dots_i8(&query, &codes, &mut out);
            for (row, &got) in out.iter().enumerate() {
                let want = if dim == 0 {
                    0
                } else {
                    dot_i8_portable(&query, &codes[row * dim..(row + 1) * dim])
                };
                assert_eq!(got, want, "dim {dim}, row {row}");
            }
        }
        let (q, r) = (vec![-127i8; 384], vec![-127i8; 384 * 2]);
        let mut out = [0; 2];
        dots_i8(&q, &r, &mut out);
        assert_eq!(out, [384 * 127 * 127; 2], "extremes are exact");
    }

    #[test]
    fn the_block_scan_keeps_the_same_best_as_the_row_scan() {
        let dim = 384;
        let rows = PARALLEL_MIN_ROWS + 1000;
        let codes: Vec<i8> = (0..rows * dim)
            .map(|i| ((i.wrapping_mul(2_654_435_761) >> 7) % 255) as u8 as i8)
            .map(|c| c.max(-127))
            .collect();
        let scales: Vec<f32> = (0..rows).map(|r| 0.5 + (r % 13) as f32 / 26.0).collect();
        let query: Vec<i8> =
            (0..dim).map(|i| ((i * 131 + 7) % 255) as u8 as i8).map(|c| c.max(-127)).collect();
        let live = |row: usize| row % 11 != 3;
        let score = |row: u32| {
            let row = row as usize;
            0.01 * scales[row] * dot_i8(&query, &codes[row * dim..(row + 1) * dim]) as f32
        };
        for k in [1, 40, 400] {
            let mut got = top_k_i8(&query, 0.01, &codes, &scales, live, k);
            got.sort_by(by_score);
            let live_rows: Vec<u32> = (0..rows as u32).filter(|&r| live(r as usize)).collect();
            let mut want = top_k(&live_rows, k, score);
            want.sort_by(by_score);
            assert_eq!(got, want, "k {k}");
            assert!(got.iter().all(|&(_, row)| live(row as usize)));
        }
        assert!(top_k_i8(&query, 1.0, &codes[..dim * 5], &scales[..5], |_| true, 0).is_empty());
        assert_eq!(top_k_i8(&query, 1.0, &codes[..dim * 5], &scales[..5], |_| true, 9).len(), 5);
    }

    #[test]
    fn quantized_scores_track_exact_ones() {
        let row: Vec<f32> = (0..384).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5).collect();
        let query: Vec<f32> =
            (0..384).map(|i| ((i * 104_729) % 997) as f32 / 997.0 - 0.5).collect();
        let (mut rc, mut qc) = (vec![], vec![]);
        let rs = quantize_into(&row, &mut rc);
        let qs = quantize_into(&query, &mut qc);
        let exact = dot(&row, &query);
        let approx = rs * qs * dot_i8(&rc, &qc) as f32;
        let norms = dot(&row, &row).sqrt() * dot(&query, &query).sqrt();
        assert!((exact - approx).abs() / norms < 0.01, "exact {exact}, int8 {approx}");
        let mut zero = vec![];
        assert_eq!(quantize_into(&[0.0; 4], &mut zero), 0.0);
        assert_eq!(zero, vec![0; 4]);
    }

    #[test]
    fn sign_bits_keep_each_value_s_sign() {
        for dim in [1usize, 63, 64, 65, 384] {
            let vector: Vec<f32> = (0..dim).map(|i| ((i * 7919) % 13) as f32 - 6.0).collect();
            let mut bits = vec![7u64];
            sign_bits_into(&vector, &mut bits);
            assert_eq!(bits.len(), 1 + bit_words(dim), "dim {dim}");
            for (i, v) in vector.iter().enumerate() {
                let set = bits[1 + i / 64] >> (i % 64) & 1 == 1;
                assert_eq!(set, *v > 0.0, "dim {dim}, value {i}");
            }
        }
    }

    #[test]
    fn the_bit_query_counts_like_a_plain_dot_with_the_signs() {
        for dim in [1usize, 5, 64, 100, 384] {
            let query: Vec<f32> =
                (0..dim).map(|i| ((i * 104_729) % 997) as f32 / 997.0 - 0.4).collect();
            let row: Vec<f32> =
                (0..dim).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5).collect();
            let mut bits = vec![];
            sign_bits_into(&row, &mut bits);
            let prepared = BitQuery::new(&query);
            let signs: Vec<f32> = row.iter().map(|v| if *v > 0.0 { 1.0 } else { -1.0 }).collect();
            let exact = dot(&query, &signs);
            // 4-bit query values: each off by at most half a step.
            let step = prepared.step.max(1e-6);
            assert!(
                (prepared.dot_signs(&bits) - exact).abs() <= 0.5 * step * dim as f32 + 1e-4,
                "dim {dim}"
            );
        }
        let flat = BitQuery::new(&[0.25; 10]);
        assert!((flat.dot_signs(&[(1 << 10) - 1]) - 2.5).abs() < 1e-5, "a constant query");
    }

    #[test]
    fn the_bit_pass_keeps_the_rows_its_estimate_ranks_best() {
        // Enough rows for the pass to split across cores.
        let dim = 128;
        let rows = PARALLEL_MIN_ROWS + 500;
        let vectors: Vec<Vec<f32>> = (0..rows)
            .map(|r| {
                (0..dim).map(|i| (((r * 131 + i * 7919) % 1009) as f32 / 1009.0) - 0.5).collect()
            })
            .collect();
        let mut bits = vec![];
        for v in &vectors {
            sign_bits_into(v, &mut bits);
        }
        let query = BitQuery::new(&vectors[17]);
        let live = |row: usize| row % 5 != 1;
        let words = bit_words(dim);
        let estimate = |row: u32| query.dot_signs(&bits[row as usize * words..][..words]);
        for k in [1, 50, 2999, rows + 10] {
            let mut got = top_k_bits(&query, &bits, live, k);
            got.sort_by(by_score);
            let live_rows: Vec<u32> = (0..rows as u32).filter(|&r| live(r as usize)).collect();
            let mut want = best(live_rows.iter().map(|&r| (estimate(r), r)).collect(), k);
            want.sort_by(by_score);
            assert_eq!(got, want, "k {k}");
        }
        let top = top_k_bits(&query, &bits, live, 1);
        assert_eq!(top[0].1, 17, "a row is its own best match");
    }

    #[test]
    fn top_k_is_the_same_split_or_not() {
        let rows: Vec<u32> = (0..(PARALLEL_MIN_ROWS as u32 * 2 + 5)).collect();
        // Many ties: the order must still be fixed.
        let score = |row: u32| (row.wrapping_mul(2_654_435_761) >> 20) as f32 % 97.0;
        let mut split = top_k(&rows, 50, score);
        split.sort_by(by_score);
        let mut whole = best(rows.iter().map(|&r| (score(r), r)).collect(), 50);
        whole.sort_by(by_score);
        assert_eq!(split, whole);
        let mut streamed = best_of(rows.iter().map(|&r| (score(r), r)), 50);
        streamed.sort_by(by_score);
        assert_eq!(streamed, whole, "the pruned stream keeps the same best");
        assert!(top_k(&rows, 0, score).is_empty());
        assert_eq!(top_k(&rows[..3], 10, score).len(), 3);
    }
}
