//! Benchmarks for the lz77 codec.

fn main() {
    divan::main();
}
