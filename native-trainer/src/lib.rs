//! The native side of Unpaired: everything the command line does, as a library so that tests can
//! drive it. The networks themselves live in the root crate (`unpaired`).

pub mod bench;
pub mod bench_fixture;
pub mod check_data;
pub mod checkpoint;
pub mod conv_plan;
pub mod data;
pub mod device;
pub mod eval;
pub mod export;
pub mod import;
pub mod model_card;
pub mod netg;
pub mod onnx;
pub mod picture;
pub mod pytorch;
pub mod report;
pub mod test_split;
pub mod train;
pub mod translate;
