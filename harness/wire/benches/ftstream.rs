//! Benchmarks for the ftstream codec.

fn main() {
    divan::main();
}
