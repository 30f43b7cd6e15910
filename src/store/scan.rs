//! The flat index's scan kernels: dot products of `f32` and of int8 rows (AVX2 code when the
//! CPU has it, chosen at run time, portable code otherwise), per-row int8 quantization, and
//! top-k selection. A search's scan runs on the thread that serves it: on two cores, splitting
//! a lone search's scan gained nothing once the first pass was a table-lookup scan, and cost
//! CPU the next search needs (README, Speed).
//!
//! A large search scans the int8 copy of the rows (a quarter of the memory traffic of `f32`),
//! keeps a shortlist several times the size asked for, and re-scores the shortlist exactly in
//! `f32`: the scores returned are exact, and recall against an exact scan is measured by
//! `storybank bench-scan` (README, Speed). A very large one reads one sign bit per dimension
//! first ([`top_k_signs`], 48 bytes a row at 384 dimensions) and scans only that pass's
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

/// Dot product of two int8 rows, exact in `i32` (384 x 127 x 127 is far from overflow), with
/// the kernel [`dots_i8`] picks for this CPU. Codes are in `-127..=127`, as [`quantize_into`]
/// writes them (the AVX2 kernel's sign trick has no room for -128).
#[inline]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let mut dot = 0;
    dots_i8(a, b, std::slice::from_mut(&mut dot));
    dot
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

/// The int8 dot products of `query` with rows `rows` of `codes` (rows of `query.len()` codes),
/// written to `out`. A shortlist's rows are scattered over the matrix: reading one waits on
/// memory, so the rows a few places ahead are fetched into the cache while this one is scored
/// (at depth 100 on the 100k index, 4,800 rows: 0.80 -> 0.47 ms with the exact re-score).
pub fn gather_dots_i8(query: &[i8], codes: &[i8], rows: &[u32], out: &mut [i32]) {
    const AHEAD: usize = 8;
    let dim = query.len();
    for (i, (&row, slot)) in rows.iter().zip(out.iter_mut()).enumerate() {
        if let Some(&next) = rows.get(i + AHEAD) {
            prefetch(&codes[next as usize * dim..(next as usize + 1) * dim]);
        }
        let row = row as usize;
        *slot = dot_i8(query, &codes[row * dim..(row + 1) * dim]);
    }
}

/// Asks the CPU to bring `bytes` into its cache (a hint; nothing on other targets).
#[inline(always)]
pub fn prefetch<T>(bytes: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let start = bytes.as_ptr().cast::<i8>();
        for line in (0..std::mem::size_of_val(bytes)).step_by(64) {
            // SAFETY: a prefetch never faults, and the address is inside `bytes`.
            unsafe {
                std::arch::x86_64::_mm_prefetch(start.add(line), std::arch::x86_64::_MM_HINT_T0)
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// The `k` best `(score, row)` pairs over rows `0..scales.len()` of a contiguous int8 matrix,
/// skipping rows where `live` is false; `score = query_scale * scales[row] * dot`. Unordered.
/// Blocks of rows go through [`dots_i8`].
pub fn top_k_i8<L>(
    query: &[i8],
    query_scale: f32,
    codes: &[i8],
    scales: &[f32],
    live: L,
    k: usize,
) -> Vec<(f32, u32)>
where
    L: Fn(usize) -> bool,
{
    let dim = query.len();
    let rows = scales.len().min(codes.len().checked_div(dim).unwrap_or(0));
    let mut dots = [0i32; BLOCK_ROWS];
    let blocks = (0..rows).step_by(BLOCK_ROWS).flat_map(|block| {
        let n = BLOCK_ROWS.min(rows - block);
        dots_i8(query, &codes[block * dim..(block + n) * dim], &mut dots[..n]);
        let scored: Vec<(f32, u32)> = (block..block + n)
            .filter(|&row| live(row))
            .map(|row| (query_scale * scales[row] * dots[row - block] as f32, row as u32))
            .collect();
        scored
    });
    best_of(blocks, k)
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

/// Rows per block of the sign-code layout ([`push_signs`]).
pub const SIGN_BLOCK_ROWS: usize = 32;

/// Groups of four dimensions a row's signs are coded in: `dimension / 4` rounded up to a
/// multiple of four (the AVX-512 kernel reads four groups at a time; padding groups score the
/// same for every row).
pub fn sign_groups(dimension: usize) -> usize {
    dimension.div_ceil(4).next_multiple_of(4)
}

/// Bytes of one block of [`SIGN_BLOCK_ROWS`] rows: 16 per group (each byte holds one group's
/// four sign bits of two rows), 48 bytes a row at 384 dimensions.
pub fn sign_block_bytes(dimension: usize) -> usize {
    sign_groups(dimension) * 16
}

/// Writes the signs of `vector` (bit set where a value is > 0) as row `row` of `blocks`,
/// growing it by a zeroed block when the row opens one. Rows are coded in blocks of 32 laid out
/// for a table-lookup scan ("fast scan", as in FAISS's 4-bit PQ and RaBitQ): group `g` of a
/// block is 16 bytes, byte `i` holding row `i`'s four bits of that group in its low half and
/// row `i + 16`'s in its high half.
pub fn push_signs(vector: &[f32], row: usize, blocks: &mut Vec<u8>) {
    let groups = sign_groups(vector.len());
    let block_bytes = groups * 16;
    let start = row / SIGN_BLOCK_ROWS * block_bytes;
    if blocks.len() < start + block_bytes {
        blocks.resize(start + block_bytes, 0);
    }
    let slot = row % SIGN_BLOCK_ROWS;
    let shift = if slot < 16 { 0 } else { 4 };
    for group in 0..groups {
        let mut nibble = 0u8;
        for bit in 0..4 {
            if vector.get(group * 4 + bit).is_some_and(|&v| v > 0.0) {
                nibble |= 1 << bit;
            }
        }
        let at = start + group * 16 + slot % 16;
        blocks[at] = (blocks[at] & !(0x0f << shift)) | (nibble << shift);
    }
}

/// A query prepared for [`top_k_signs`]: for each group of four dimensions, a 16-entry table
/// of `sum of query values * (+1 where a row's bit is set, else -1)` over every pattern of the
/// four bits, in `u8` (one step for all tables, an offset per table). A row's estimate is the
/// sum of its groups' entries: `query . signs` up to the constant offsets and the rounding
/// (asymmetric: the query keeps its values, a row only its signs).
#[derive(Debug, Clone)]
pub struct SignQuery {
    tables: Vec<u8>,
    groups: usize,
    /// Value of one table unit.
    step: f32,
    /// Sum of the tables' offsets: `estimate = offset + step * sum of entries`.
    offset: f32,
}

impl SignQuery {
    /// Prepares `query` (already centred like the rows).
    pub fn new(query: &[f32]) -> SignQuery {
        let groups = sign_groups(query.len());
        let mut exact = vec![0.0f32; groups * 16];
        for group in 0..groups {
            for pattern in 0..16 {
                exact[group * 16 + pattern] = (0..4)
                    .map(|bit| {
                        let value = query.get(group * 4 + bit).copied().unwrap_or(0.0);
                        if pattern >> bit & 1 == 1 { value } else { -value }
                    })
                    .sum();
            }
        }
        let low = |table: &[f32]| table.iter().copied().fold(f32::INFINITY, f32::min);
        let width = exact
            .chunks_exact(16)
            .map(|table| table.iter().copied().fold(f32::NEG_INFINITY, f32::max) - low(table))
            .fold(0.0f32, f32::max);
        // An AVX2 lane adds half the groups in 16 bits: the top entry keeps its sum below 2^16
        // (255 up to 514 groups, 2,056 dimensions).
        let top = (65_535 / (groups / 2).max(1)).min(255) as f32;
        let step = if width > 0.0 && width.is_finite() { width / top } else { 1.0 };
        let mut offset = 0.0;
        let mut tables = Vec::with_capacity(groups * 16);
        for table in exact.chunks_exact(16) {
            let base = if low(table).is_finite() { low(table) } else { 0.0 };
            offset += base;
            tables.extend(table.iter().map(|v| ((v - base) / step).round().clamp(0.0, top) as u8));
        }
        SignQuery { tables, groups, step, offset }
    }

    /// The estimate of a sum of table entries.
    fn value(&self, units: u32) -> f32 {
        self.offset + self.step * units as f32
    }
}

/// The `k` best `(estimate, row)` pairs among `rows` rows coded in `blocks` ([`push_signs`])
/// for `query`, skipping rows where `live` is false; the estimate is `query . signs`, which
/// ranks rows like the dot product of the centred vectors. Unordered. A first pass that reads
/// 48 bytes a row at 384 dimensions: its shortlist is re-scored in int8, then exactly.
/// (Scaling each row's estimate by its projection onto its signs, as RaBitQ does after a
/// random rotation, lost recall here: 0.968 against 0.995 at depth 10.)
pub fn top_k_signs<L>(
    query: &SignQuery,
    blocks: &[u8],
    rows: usize,
    live: L,
    k: usize,
) -> Vec<(f32, u32)>
where
    L: Fn(usize) -> bool,
{
    let block_bytes = query.groups * 16;
    if block_bytes == 0 || rows == 0 {
        return vec![];
    }
    let blocks_total = rows.div_ceil(SIGN_BLOCK_ROWS);
    SIGN_SUMS.with(|sums| {
        // One buffer per thread, kept: a fresh 400 KB one per search was page faults.
        let mut sums = sums.borrow_mut();
        sums.clear();
        sums.resize(blocks_total * SIGN_BLOCK_ROWS, 0);
        sign_sums(query, &blocks[..blocks_total * block_bytes], &mut sums);
        highest_sums(&sums, |row| row < rows && live(row), k)
            .into_iter()
            .map(|(units, row)| (query.value(units), row as u32))
            .collect()
    })
}

thread_local! {
    static SIGN_SUMS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The `k` highest `(sum, index)` of `sums` where `in_use(index)`, ties by index; unordered.
/// A histogram of the sums finds the lowest sum that can make the `k` first, and only sums at
/// or above it are kept and selected from (two passes over a 100k scan's 400 KB of sums,
/// where keeping a running best of thousands cost as much as the scan).
fn highest_sums(sums: &[u32], in_use: impl Fn(usize) -> bool, k: usize) -> Vec<(u32, usize)> {
    const BINS: usize = 4096;
    if k == 0 {
        return vec![];
    }
    let top = sums.iter().copied().max().unwrap_or(0);
    let shift = (u32::BITS - top.leading_zeros()).saturating_sub(BINS.trailing_zeros());
    let mut counts = vec![0u32; BINS];
    for (i, &sum) in sums.iter().enumerate() {
        if in_use(i) {
            counts[(sum >> shift) as usize] += 1;
        }
    }
    let (mut seen, mut floor) = (0usize, 0usize);
    for bin in (0..BINS).rev() {
        seen += counts[bin] as usize;
        if seen >= k {
            floor = bin;
            break;
        }
    }
    let mut kept: Vec<(u32, usize)> = sums
        .iter()
        .enumerate()
        .filter(|&(i, &sum)| (sum >> shift) as usize >= floor && in_use(i))
        .map(|(i, &sum)| (sum, i))
        .collect();
    if kept.len() > k {
        kept.select_nth_unstable_by(k - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        kept.truncate(k);
    }
    kept
}

/// Every row's sum of table entries, block after block (`out`: [`SIGN_BLOCK_ROWS`] a block):
/// `vpshufb` looks up 64 (AVX-512) or 32 (AVX2) entries per instruction when the CPU has it.
fn sign_sums(query: &SignQuery, blocks: &[u8], out: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx2")
        {
            // SAFETY: the CPU has AVX-512F and BW and AVX2 (checked just above).
            unsafe { sign_sums_avx512(query, blocks, out) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { sign_sums_avx2(query, blocks, out) };
            return;
        }
    }
    sign_sums_portable(query, blocks, out);
}

fn sign_sums_portable(query: &SignQuery, blocks: &[u8], out: &mut [u32]) {
    let block_bytes = query.groups * 16;
    for (block, sums) in blocks.chunks_exact(block_bytes).zip(out.chunks_exact_mut(SIGN_BLOCK_ROWS))
    {
        sums.fill(0);
        for (codes, table) in block.chunks_exact(16).zip(query.tables.chunks_exact(16)) {
            for (i, &byte) in codes.iter().enumerate() {
                sums[i] += u32::from(table[usize::from(byte & 0x0f)]);
                sums[i + 16] += u32::from(table[usize::from(byte >> 4)]);
            }
        }
    }
}

/// Writes rows `0..16` of a block from sums accumulated in 16 bits as `even + 256 * odd`
/// (`pairs`) and `odd` (`odds`), given as the 128-bit lanes' even and odd rows widened to `u32`
/// and added across lanes (each lane held other groups of the same rows). The true sums fit 16
/// bits per lane, so the wrapped arithmetic recovers them exactly.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn store_rows(
    even: std::arch::x86_64::__m256i,
    odd: std::arch::x86_64::__m256i,
    out: &mut [u32],
) {
    use std::arch::x86_64::*;
    assert!(out.len() >= 16);
    // even: rows 0, 2, ..., 14; odd: rows 1, 3, ..., 15. unpack works within 128-bit lanes.
    let low = _mm256_unpacklo_epi32(even, odd); // rows 0-3 | 8-11
    let high = _mm256_unpackhi_epi32(even, odd); // rows 4-7 | 12-15
    // SAFETY: `out` holds 16 u32 (asserted above); AVX2 is enabled on this function.
    unsafe {
        _mm256_storeu_si256(out.as_mut_ptr().cast(), _mm256_permute2x128_si256(low, high, 0x20));
        _mm256_storeu_si256(
            out.as_mut_ptr().add(8).cast(),
            _mm256_permute2x128_si256(low, high, 0x31),
        );
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sign_sums_avx2(query: &SignQuery, blocks: &[u8], out: &mut [u32]) {
    use std::arch::x86_64::*;
    let block_bytes = query.groups * 16;
    // Even rows' sums from `even + 256 * odd` and `odd` (16-bit lanes), widened to u32 and
    // added across the two 128-bit lanes (groups of even and odd index).
    let widen = |pairs: __m256i, odds: __m256i| {
        let even = _mm256_sub_epi16(pairs, _mm256_slli_epi16(odds, 8));
        let add_lanes = |v: __m256i| {
            _mm256_add_epi32(
                _mm256_cvtepu16_epi32(_mm256_castsi256_si128(v)),
                _mm256_cvtepu16_epi32(_mm256_extracti128_si256(v, 1)),
            )
        };
        (add_lanes(even), add_lanes(odds))
    };
    // SAFETY: every load reads 32 bytes at `pair * 32` inside a block (`chunks_exact`) or the
    // tables (`groups * 16` bytes, groups even); AVX2 is enabled on this function.
    unsafe {
        let nibble = _mm256_set1_epi8(0x0f);
        for (block, sums) in
            blocks.chunks_exact(block_bytes).zip(out.chunks_exact_mut(SIGN_BLOCK_ROWS))
        {
            let zero = _mm256_setzero_si256();
            let (mut low_pairs, mut low_odds, mut high_pairs, mut high_odds) =
                (zero, zero, zero, zero);
            for pair in 0..query.groups / 2 {
                let codes = _mm256_loadu_si256(block.as_ptr().add(pair * 32).cast());
                let table = _mm256_loadu_si256(query.tables.as_ptr().add(pair * 32).cast());
                let low = _mm256_shuffle_epi8(table, _mm256_and_si256(codes, nibble));
                let high = _mm256_shuffle_epi8(
                    table,
                    _mm256_and_si256(_mm256_srli_epi16(codes, 4), nibble),
                );
                low_pairs = _mm256_add_epi16(low_pairs, low);
                low_odds = _mm256_add_epi16(low_odds, _mm256_srli_epi16(low, 8));
                high_pairs = _mm256_add_epi16(high_pairs, high);
                high_odds = _mm256_add_epi16(high_odds, _mm256_srli_epi16(high, 8));
            }
            let (even, odd) = widen(low_pairs, low_odds);
            store_rows(even, odd, &mut sums[..16]);
            let (even, odd) = widen(high_pairs, high_odds);
            store_rows(even, odd, &mut sums[16..]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512bw")]
unsafe fn sign_sums_avx512(query: &SignQuery, blocks: &[u8], out: &mut [u32]) {
    use std::arch::x86_64::*;
    let block_bytes = query.groups * 16;
    // As in the AVX2 kernel, over four 128-bit lanes (groups mod 4).
    let widen = |pairs: __m512i, odds: __m512i| {
        let even = _mm512_sub_epi16(pairs, _mm512_slli_epi16(odds, 8));
        let add_lanes = |v: __m512i| {
            let half = |h: __m256i| {
                _mm256_add_epi32(
                    _mm256_cvtepu16_epi32(_mm256_castsi256_si128(h)),
                    _mm256_cvtepu16_epi32(_mm256_extracti128_si256(h, 1)),
                )
            };
            _mm256_add_epi32(half(_mm512_castsi512_si256(v)), half(_mm512_extracti64x4_epi64(v, 1)))
        };
        (add_lanes(even), add_lanes(odds))
    };
    // SAFETY: every load reads 64 bytes at `quad * 64` inside a block (`chunks_exact`) or the
    // tables (`groups * 16` bytes, groups a multiple of four); the features are enabled on
    // this function.
    unsafe {
        let nibble = _mm512_set1_epi8(0x0f);
        for (block, sums) in
            blocks.chunks_exact(block_bytes).zip(out.chunks_exact_mut(SIGN_BLOCK_ROWS))
        {
            let zero = _mm512_setzero_si512();
            let (mut low_pairs, mut low_odds, mut high_pairs, mut high_odds) =
                (zero, zero, zero, zero);
            for quad in 0..query.groups / 4 {
                let codes = _mm512_loadu_si512(block.as_ptr().add(quad * 64).cast());
                let table = _mm512_loadu_si512(query.tables.as_ptr().add(quad * 64).cast());
                let low = _mm512_shuffle_epi8(table, _mm512_and_si512(codes, nibble));
                let high = _mm512_shuffle_epi8(
                    table,
                    _mm512_and_si512(_mm512_srli_epi16(codes, 4), nibble),
                );
                low_pairs = _mm512_add_epi16(low_pairs, low);
                low_odds = _mm512_add_epi16(low_odds, _mm512_srli_epi16(low, 8));
                high_pairs = _mm512_add_epi16(high_pairs, high);
                high_odds = _mm512_add_epi16(high_odds, _mm512_srli_epi16(high, 8));
            }
            let (even, odd) = widen(low_pairs, low_odds);
            store_rows(even, odd, &mut sums[..16]);
            let (even, odd) = widen(high_pairs, high_odds);
            store_rows(even, odd, &mut sums[16..]);
        }
    }
}

/// The `k` best `(score, row)` pairs among `rows`, scored by `score`; unordered.
pub fn top_k<S>(rows: &[u32], k: usize, score: S) -> Vec<(f32, u32)>
where
    S: Fn(u32) -> f32,
{
    best_of(rows.iter().map(|&row| (score(row), row)), k)
}

/// Highest score first; ties by row, so results do not depend on the order rows are scanned.
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

/// The `k` best of `scored` (all of them when fewer); unordered.
pub fn best(mut scored: Vec<(f32, u32)>, k: usize) -> Vec<(f32, u32)> {
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
        let rows: usize = 5_000;
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

    /// Rows of `dim` values in -0.5..0.5, different per seed.
    fn rows_of(count: usize, dim: usize, seed: usize) -> Vec<Vec<f32>> {
        (0..count)
            .map(|r| {
                (0..dim)
                    .map(|i| (((r * 131 + i * 7919 + seed * 104_729) % 1009) as f32 / 1009.0) - 0.5)
                    .collect()
            })
            .collect()
    }

    /// Row `row`'s four sign bits of group `group`, read back from the block layout.
    fn nibble_of(blocks: &[u8], dim: usize, row: usize, group: usize) -> u8 {
        let byte = blocks[row / SIGN_BLOCK_ROWS * sign_block_bytes(dim) + group * 16 + row % 16];
        if row % SIGN_BLOCK_ROWS < 16 { byte & 0x0f } else { byte >> 4 }
    }

    #[test]
    fn signs_keep_each_value_s_sign() {
        for dim in [1usize, 5, 63, 64, 65, 384] {
            let rows = rows_of(70, dim, dim);
            let mut blocks = vec![];
            for (row, vector) in rows.iter().enumerate() {
                push_signs(vector, row, &mut blocks);
            }
            assert_eq!(blocks.len(), 3 * sign_block_bytes(dim), "dim {dim}: three blocks");
            for (row, vector) in rows.iter().enumerate() {
                for (i, v) in vector.iter().enumerate() {
                    let set = nibble_of(&blocks, dim, row, i / 4) >> (i % 4) & 1 == 1;
                    assert_eq!(set, *v > 0.0, "dim {dim}, row {row}, value {i}");
                }
                for group in dim.div_ceil(4)..sign_groups(dim) {
                    assert_eq!(nibble_of(&blocks, dim, row, group), 0, "padding stays empty");
                }
            }
            // Coding a row again (as re-centring does) replaces its bits only.
            let mut again = blocks.clone();
            let flipped: Vec<f32> = rows[20].iter().map(|v| -v).collect();
            push_signs(&flipped, 20, &mut again);
            push_signs(&rows[20], 20, &mut again);
            assert_eq!(again, blocks, "dim {dim}");
        }
    }

    /// Each row's estimate through the kernel this CPU picks and through portable code.
    fn estimates(query: &SignQuery, blocks: &[u8]) -> (Vec<u32>, Vec<u32>) {
        let count = blocks.len() / (query.groups * 16) * SIGN_BLOCK_ROWS;
        let (mut fast, mut plain) = (vec![0; count], vec![0; count]);
        sign_sums(query, blocks, &mut fast);
        sign_sums_portable(query, blocks, &mut plain);
        (fast, plain)
    }

    #[test]
    fn the_sign_query_estimates_a_plain_dot_with_the_signs() {
        for dim in [1usize, 5, 64, 100, 384, 1152] {
            let query = &rows_of(1, dim, 7)[0];
            let rows = rows_of(40, dim, 3);
            let mut blocks = vec![];
            for (row, vector) in rows.iter().enumerate() {
                push_signs(vector, row, &mut blocks);
            }
            let prepared = SignQuery::new(query);
            let (fast, plain) = estimates(&prepared, &blocks);
            assert_eq!(fast, plain, "dim {dim}: the SIMD kernel adds like portable code");
            for (row, vector) in rows.iter().enumerate() {
                let signs: Vec<f32> =
                    vector.iter().map(|v| if *v > 0.0 { 1.0 } else { -1.0 }).collect();
                let exact = dot(query, &signs);
                // Each table entry is off by at most half a step.
                let bound = 0.5 * prepared.step * prepared.groups as f32 + 1e-3;
                let estimate = prepared.value(plain[row]);
                assert!((estimate - exact).abs() <= bound, "dim {dim}, row {row}");
            }
        }
        let flat = SignQuery::new(&[0.25; 10]);
        let mut blocks = vec![];
        push_signs(&[1.0; 10], 0, &mut blocks);
        let (_, plain) = estimates(&flat, &blocks);
        let bound = 0.5 * flat.step * flat.groups as f32 + 1e-4;
        assert!((flat.value(plain[0]) - 2.5).abs() <= bound, "a constant query");
    }

    #[test]
    fn the_sign_kernels_add_like_portable_code_at_every_width() {
        // 4,096 dimensions: the largest entries a lane can add without overflowing 16 bits.
        for dim in [4usize, 8, 12, 16, 384, 768, 1152, 2056, 4096] {
            let rows = rows_of(65, dim, dim + 1);
            let mut blocks = vec![];
            for (row, vector) in rows.iter().enumerate() {
                push_signs(vector, row, &mut blocks);
            }
            // A query whose tables reach their top entry in every group.
            let query: Vec<f32> = (0..dim).map(|i| if i % 3 == 0 { -1.0 } else { 1.0 }).collect();
            for query in [SignQuery::new(&query), SignQuery::new(&rows_of(1, dim, 5)[0])] {
                let (fast, plain) = estimates(&query, &blocks);
                assert_eq!(fast, plain, "dim {dim}");
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut avx2 = vec![0; plain.len()];
                    // SAFETY: the CPU has AVX2 (checked just above).
                    unsafe { sign_sums_avx2(&query, &blocks, &mut avx2) };
                    assert_eq!(avx2, plain, "dim {dim}, AVX2");
                }
            }
        }
    }

    #[test]
    fn the_sign_pass_keeps_the_rows_its_estimate_ranks_best() {
        // A last block part full.
        let dim = 128;
        let rows = 5_007;
        let vectors = rows_of(rows, dim, 0);
        let mut blocks = vec![];
        for (row, vector) in vectors.iter().enumerate() {
            push_signs(vector, row, &mut blocks);
        }
        let query = SignQuery::new(&vectors[17]);
        let (_, plain) = estimates(&query, &blocks);
        let live = |row: usize| row % 5 != 1;
        for k in [1, 50, 2999, rows + 10] {
            let mut got = top_k_signs(&query, &blocks, rows, live, k);
            got.sort_by(by_score);
            let live_rows: Vec<u32> = (0..rows as u32).filter(|&r| live(r as usize)).collect();
            let mut want =
                best(live_rows.iter().map(|&r| (query.value(plain[r as usize]), r)).collect(), k);
            want.sort_by(by_score);
            assert_eq!(got, want, "k {k}");
        }
        let top = top_k_signs(&query, &blocks, rows, live, 1);
        assert_eq!(top[0].1, 17, "a row is its own best match");
        // A question with a NaN or an infinity still scans (its entries clamp), panicking never.
        for bad in [f32::NAN, f32::INFINITY] {
            let mut odd = vectors[3].clone();
            odd[5] = bad;
            assert_eq!(top_k_signs(&SignQuery::new(&odd), &blocks, rows, live, 7).len(), 7);
        }
        assert!(top_k_signs(&query, &blocks, 0, live, 5).is_empty());
    }

    #[test]
    fn top_k_keeps_the_best_in_a_fixed_order() {
        let rows: Vec<u32> = (0..70_005).collect();
        // Many ties: the order must still be fixed.
        let score = |row: u32| (row.wrapping_mul(2_654_435_761) >> 20) as f32 % 97.0;
        let mut streamed = top_k(&rows, 50, score);
        streamed.sort_by(by_score);
        let mut whole = best(rows.iter().map(|&r| (score(r), r)).collect(), 50);
        whole.sort_by(by_score);
        assert_eq!(streamed, whole, "the pruned stream keeps the same best");
        assert!(top_k(&rows, 0, score).is_empty());
        assert_eq!(top_k(&rows[..3], 10, score).len(), 3);
    }
}
