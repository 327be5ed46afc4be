//! `export-onnx`: the paper's ResNet generator as an ONNX graph (opset 17), written by a small
//! protobuf encoder of our own (onnx.proto's field numbers; no protoc, no code generation).
//!
//! The graph is the one [`ResnetGenerator::forward`] runs: reflect `Pad`, `Conv`,
//! `InstanceNormalization` (ε as burn's, scale 1 and bias 0 unless the norms are affine), `Relu`,
//! `Add`, `ConvTranspose` (stride 2, pads 1, output padding 1) and `Tanh`; each layer's stride,
//! padding, dilation and groups are read from the burn module. Input `input` and output
//! `output` are `[batch, 3, height, width]` with symbolic batch, height and width (multiples of 4).
//! Initialisers carry burn's parameter paths as names (`stem.weight`, `blocks.0.conv1.bias`, …).
//! It exists so that other runtimes (onnxruntime-web in `tests/bench/`) can run the very same
//! network and weights as ours.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::module::Param;
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::nn::{InstanceNorm, PaddingConfig2d};
use burn::tensor::Tensor;
use unpaired::{Direction, ResnetGenerator};

use crate::checkpoint;
use crate::export::write_atomically;

/// The ONNX operator set the graph is written for.
pub const OPSET: i64 = 17;
/// The IR version that goes with opset 17.
pub const IR_VERSION: i64 = 8;
/// `TensorProto.DataType.FLOAT`.
pub const FLOAT: i64 = 1;
/// `TensorProto.DataType.INT64`.
pub const INT64: i64 = 7;

/// A protobuf message being encoded: fields appended in order, as tag + payload.
#[derive(Default)]
struct Message(Vec<u8>);

impl Message {
    fn tag(&mut self, field: u32, wire_type: u32) {
        self.raw_varint(u64::from(field << 3 | wire_type));
    }

    fn raw_varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    /// An `int32`/`int64`/enum field (negative values as 10-byte two's complement, as protobuf).
    fn int(mut self, field: u32, value: i64) -> Self {
        self.tag(field, 0);
        self.raw_varint(value as u64);
        self
    }

    fn bytes(mut self, field: u32, bytes: &[u8]) -> Self {
        self.tag(field, 2);
        self.raw_varint(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
        self
    }

    fn string(self, field: u32, text: &str) -> Self {
        self.bytes(field, text.as_bytes())
    }

    fn message(self, field: u32, message: Message) -> Self {
        self.bytes(field, &message.0)
    }

    /// A packed `repeated int64` field.
    fn packed_ints(self, field: u32, values: &[i64]) -> Self {
        let mut packed = Message::default();
        for &value in values {
            packed.raw_varint(value as u64);
        }
        self.bytes(field, &packed.0)
    }
}

/// `AttributeProto` with `ints` (type INTS = 7).
fn ints_attribute(name: &str, values: &[i64]) -> Message {
    Message::default()
        .string(1, name)
        .int(20, 7)
        .packed_ints(8, values)
}

/// `AttributeProto` with `i` (type INT = 2).
fn int_attribute(name: &str, value: i64) -> Message {
    Message::default().string(1, name).int(20, 2).int(3, value)
}

fn ints(values: &[usize]) -> Vec<i64> {
    values.iter().map(|&v| v as i64).collect()
}

/// `AttributeProto` with `f` (type FLOAT = 1).
fn float_attribute(name: &str, value: f32) -> Message {
    let mut message = Message::default().string(1, name).int(20, 1);
    message.tag(2, 5);
    message.0.extend_from_slice(&value.to_le_bytes());
    message
}

/// `AttributeProto` with `s` (type STRING = 3).
fn string_attribute(name: &str, value: &str) -> Message {
    Message::default()
        .string(1, name)
        .int(20, 3)
        .string(4, value)
}

/// `ValueInfoProto` of a float tensor; a dimension is a number or a symbolic name.
fn value_info(name: &str, dims: &[Dim]) -> Message {
    let shape = dims.iter().fold(Message::default(), |shape, dim| {
        let dimension = match dim {
            Dim::Fixed(value) => Message::default().int(1, *value),
            Dim::Named(param) => Message::default().string(2, param),
        };
        shape.message(1, dimension)
    });
    let tensor = Message::default().int(1, FLOAT).message(2, shape);
    Message::default()
        .string(1, name)
        .message(2, Message::default().message(1, tensor))
}

enum Dim {
    Fixed(i64),
    Named(&'static str),
}

/// The graph under construction: nodes in execution order and their initialisers.
#[derive(Default)]
struct Graph {
    nodes: Vec<Message>,
    initializers: Vec<Message>,
    /// Shared constant names already written (pads, norm scales).
    constants: Vec<String>,
}

impl Graph {
    /// Adds a float initialiser named `name` (its values little-endian in `raw_data`).
    fn tensor(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let dims: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
        self.initializers.push(
            Message::default()
                .packed_ints(1, &dims)
                .int(2, FLOAT)
                .string(8, name)
                .bytes(9, &raw),
        );
        name.to_string()
    }

    /// A burn parameter as an initialiser of the same shape and name.
    fn param<const D: usize>(&mut self, name: &str, param: &Param<Tensor<D>>) -> Result<String> {
        let tensor = param.val();
        let dims = tensor.dims();
        let values = tensor
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("reading {name}: {e:?}"))?;
        Ok(self.tensor(name, &dims, &values))
    }

    /// A shared constant, written the first time it is asked for.
    fn constant(&mut self, name: &str, write: impl FnOnce(&mut Self)) -> String {
        if !self.constants.iter().any(|c| c == name) {
            write(self);
            self.constants.push(name.to_string());
        }
        name.to_string()
    }

    /// Appends a node; its single output is named after the node.
    fn node(&mut self, op: &str, name: &str, inputs: &[&str], attributes: Vec<Message>) -> String {
        let mut node = Message::default();
        for input in inputs {
            node = node.string(1, input);
        }
        node = node.string(2, name).string(3, name).string(4, op);
        for attribute in attributes {
            node = node.message(5, attribute);
        }
        self.nodes.push(node);
        name.to_string()
    }

    /// Reflect padding of H and W by `amount` on each side.
    fn reflect(&mut self, name: &str, x: &str, amount: usize) -> String {
        let pads_name = format!("pads_{amount}");
        let pads = self.constant(&pads_name, |graph| {
            let a = amount as i64;
            let values = [0, 0, a, a, 0, 0, a, a];
            graph.initializers.push(
                Message::default()
                    .packed_ints(1, &[8])
                    .int(2, INT64)
                    .string(8, &pads_name)
                    .bytes(
                        9,
                        &values
                            .iter()
                            .flat_map(|v: &i64| v.to_le_bytes())
                            .collect::<Vec<_>>(),
                    ),
            );
        });
        self.node(
            "Pad",
            name,
            &[x, &pads],
            vec![string_attribute("mode", "reflect")],
        )
    }

    /// A convolution with its own stride, padding, dilation and groups.
    fn conv(&mut self, name: &str, x: &str, conv: &Conv2d) -> Result<String> {
        let pads = match conv.padding {
            PaddingConfig2d::Valid => [0; 4],
            PaddingConfig2d::Explicit(top, left, bottom, right) => [top, left, bottom, right],
            PaddingConfig2d::Same => anyhow::bail!("{name}: 'same' padding is not exported"),
        };
        let inputs = self.weights(name, x, &conv.weight, conv.bias.as_ref())?;
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        Ok(self.node(
            "Conv",
            name,
            &inputs,
            vec![
                ints_attribute("kernel_shape", &ints(&conv.kernel_size)),
                ints_attribute("strides", &ints(&conv.stride)),
                ints_attribute("pads", &ints(&pads)),
                ints_attribute("dilations", &ints(&conv.dilation)),
                int_attribute("group", conv.groups as i64),
            ],
        ))
    }

    /// A transposed convolution (the generator's upsampling: stride 2, pads 1, output padding 1).
    fn conv_transpose(&mut self, name: &str, x: &str, conv: &ConvTranspose2d) -> Result<String> {
        let inputs = self.weights(name, x, &conv.weight, conv.bias.as_ref())?;
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let [ph, pw] = conv.padding;
        Ok(self.node(
            "ConvTranspose",
            name,
            &inputs,
            vec![
                ints_attribute("kernel_shape", &ints(&conv.kernel_size)),
                ints_attribute("strides", &ints(&conv.stride)),
                ints_attribute("pads", &ints(&[ph, pw, ph, pw])),
                ints_attribute("output_padding", &ints(&conv.padding_out)),
                ints_attribute("dilations", &ints(&conv.dilation)),
                int_attribute("group", conv.groups as i64),
            ],
        ))
    }

    /// A convolution's inputs: `x`, its weight and its bias (if any) as initialisers.
    fn weights(
        &mut self,
        name: &str,
        x: &str,
        weight: &Param<Tensor<4>>,
        bias: Option<&Param<Tensor<1>>>,
    ) -> Result<Vec<String>> {
        let mut inputs = vec![
            x.to_string(),
            self.param(&format!("{name}.weight"), weight)?,
        ];
        if let Some(bias) = bias {
            inputs.push(self.param(&format!("{name}.bias"), bias)?);
        }
        Ok(inputs)
    }

    /// Instance norm with burn's ε; scale 1 and bias 0 unless the norm is affine.
    fn instance_norm(&mut self, name: &str, x: &str, norm: &InstanceNorm) -> Result<String> {
        let channels = norm.num_channels;
        let (scale, bias) = match (&norm.gamma, &norm.beta) {
            (Some(gamma), Some(beta)) => (
                self.param(&format!("{name}.gamma"), gamma)?,
                self.param(&format!("{name}.beta"), beta)?,
            ),
            _ => (
                self.constant(&format!("ones_{channels}"), |graph| {
                    graph.tensor(
                        &format!("ones_{channels}"),
                        &[channels],
                        &vec![1.0; channels],
                    );
                }),
                self.constant(&format!("zeros_{channels}"), |graph| {
                    graph.tensor(
                        &format!("zeros_{channels}"),
                        &[channels],
                        &vec![0.0; channels],
                    );
                }),
            ),
        };
        Ok(self.node(
            "InstanceNormalization",
            name,
            &[x, &scale, &bias],
            vec![float_attribute("epsilon", norm.epsilon as f32)],
        ))
    }

    fn unary(&mut self, op: &str, name: &str, x: &str) -> String {
        self.node(op, name, &[x], Vec::new())
    }
}

/// The ONNX model (`ModelProto` bytes) of `generator`.
pub fn generator_to_onnx(generator: &ResnetGenerator) -> Result<Vec<u8>> {
    let g = generator;
    let mut graph = Graph::default();
    let x = graph.reflect("stem.pad", "input", 3);
    let x = graph.conv("stem", &x, &g.stem)?;
    let x = graph.instance_norm("norm_stem", &x, &g.norm_stem)?;
    let x = graph.unary("Relu", "stem.relu", &x);
    let x = graph.conv("down1", &x, &g.down1)?;
    let x = graph.instance_norm("norm_down1", &x, &g.norm_down1)?;
    let x = graph.unary("Relu", "down1.relu", &x);
    let x = graph.conv("down2", &x, &g.down2)?;
    let x = graph.instance_norm("norm_down2", &x, &g.norm_down2)?;
    let mut x = graph.unary("Relu", "down2.relu", &x);
    for (i, block) in g.blocks.iter().enumerate() {
        let p = format!("blocks.{i}");
        let y = graph.reflect(&format!("{p}.pad1"), &x, 1);
        let y = graph.conv(&format!("{p}.conv1"), &y, &block.conv1)?;
        let y = graph.instance_norm(&format!("{p}.norm1"), &y, &block.norm1)?;
        let y = graph.unary("Relu", &format!("{p}.relu"), &y);
        let y = graph.reflect(&format!("{p}.pad2"), &y, 1);
        let y = graph.conv(&format!("{p}.conv2"), &y, &block.conv2)?;
        let y = graph.instance_norm(&format!("{p}.norm2"), &y, &block.norm2)?;
        x = graph.node("Add", &format!("{p}.add"), &[&x, &y], Vec::new());
    }
    let x = graph.conv_transpose("up1", &x, &g.up1)?;
    let x = graph.instance_norm("norm_up1", &x, &g.norm_up1)?;
    let x = graph.unary("Relu", "up1.relu", &x);
    let x = graph.conv_transpose("up2", &x, &g.up2)?;
    let x = graph.instance_norm("norm_up2", &x, &g.norm_up2)?;
    let x = graph.unary("Relu", "up2.relu", &x);
    let x = graph.reflect("head.pad", &x, 3);
    let x = graph.conv("head", &x, &g.head)?;
    graph.node("Tanh", "output", &[&x], Vec::new());

    let image = [
        Dim::Named("batch"),
        Dim::Fixed(3),
        Dim::Named("height"),
        Dim::Named("width"),
    ];
    let mut proto = Message::default();
    for node in graph.nodes {
        proto = proto.message(1, node);
    }
    proto = proto.string(2, "unpaired_resnet_generator");
    for initializer in graph.initializers {
        proto = proto.message(5, initializer);
    }
    proto = proto
        .message(11, value_info("input", &image))
        .message(12, value_info("output", &image));
    let model = Message::default()
        .int(1, IR_VERSION)
        .string(2, "unpaired")
        .string(3, env!("CARGO_PKG_VERSION"))
        .string(
            6,
            &format!(
                "CycleGAN ResNet generator, ngf {}, {} blocks; input and output in [-1, 1]",
                g.config().ngf,
                g.blocks.len()
            ),
        )
        .message(7, proto)
        .message(8, Message::default().string(1, "").int(2, OPSET));
    Ok(model.0)
}

/// Which generators `export-onnx` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Directions {
    /// G_A only.
    #[value(name = "a_to_b")]
    AToB,
    /// G_B only.
    #[value(name = "b_to_a")]
    BToA,
    /// Both.
    #[value(name = "both")]
    Both,
}

impl Directions {
    fn list(self) -> &'static [Direction] {
        match self {
            Directions::AToB => &[Direction::AToB],
            Directions::BToA => &[Direction::BToA],
            Directions::Both => &Direction::ALL,
        }
    }
}

/// Options of `export-onnx`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportOnnxArgs {
    /// The run and snapshot.
    #[command(flatten)]
    pub run: crate::checkpoint::SnapshotArgs,
    /// Which generator(s): G_A is `a_to_b`, G_B is `b_to_a`.
    #[arg(long, value_enum, default_value = "both")]
    pub direction: Directions,
    /// Output folder: gets `a_to_b.onnx` and/or `b_to_a.onnx`.
    #[arg(long)]
    pub out: PathBuf,
}

/// Writes the run's generator(s) as ONNX files; returns the files written.
pub fn run(args: &ExportOnnxArgs) -> Result<Vec<PathBuf>> {
    let snapshot = args.run.snapshot()?;
    let state = checkpoint::read_state(&snapshot)?;
    let device = burn::tensor::Device::flex();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut written = Vec::new();
    for &direction in args.direction.list() {
        let which = match direction {
            Direction::AToB => "G_A",
            Direction::BToA => "G_B",
        };
        let generator = checkpoint::load_generator(&snapshot, which, &state.generator, &device)?;
        written.push(write(&generator, &args.out, direction.as_str())?);
    }
    Ok(written)
}

/// Writes `DIR/STEM.onnx` atomically.
pub fn write(generator: &ResnetGenerator, dir: &Path, stem: &str) -> Result<PathBuf> {
    let path = dir.join(format!("{stem}.onnx"));
    write_atomically(&path, &generator_to_onnx(generator)?)?;
    Ok(path)
}
