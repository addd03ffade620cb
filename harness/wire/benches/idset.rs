//! Benchmarks for the idset codec.

fn main() {
    divan::main();
}
