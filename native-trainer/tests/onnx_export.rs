//! The ONNX exporter and the browser benchmark's fixture, checked without onnxruntime: the file is
//! decoded back with a small protobuf reader written here from onnx.proto, its structure compared
//! with the generator (operators in order, wiring, every parameter's name, shape and bits), and
//! the decoded graph is run by a naive interpreter of the ONNX operators' definitions, whose output
//! must match burn's forward. (`tests/bench/` runs the same files in onnxruntime-web.)

mod common;

use std::collections::HashMap;
use std::path::Path;

use burn::store::ModuleSnapshot;
use burn::tensor::{Device, Tensor, TensorData};
use common::{load_web_model, max_diff};
use native_trainer::bench_fixture::{self, BenchFixtureArgs, random_generator, read_f32};
use native_trainer::checkpoint::{FORMAT, SnapshotArgs, TrainingState};
use native_trainer::onnx::{self, Directions, ExportOnnxArgs};
use unpaired::{
    Direction, PatchDiscriminatorConfig, Precision, ResnetGenerator, ResnetGeneratorConfig, weights,
};

// ---- a protobuf reader -----------------------------------------------------------------------

enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed32([u8; 4]),
}

fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = bytes[*at];
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return value;
        }
    }
    panic!("varint longer than 10 bytes");
}

/// Every field of a message, in order, as (field number, value).
fn fields(bytes: &[u8]) -> Vec<(u32, Field<'_>)> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < bytes.len() {
        let tag = varint(bytes, &mut at);
        let (number, wire) = ((tag >> 3) as u32, tag & 7);
        let field = match wire {
            0 => Field::Varint(varint(bytes, &mut at)),
            2 => {
                let len = varint(bytes, &mut at) as usize;
                at += len;
                Field::Bytes(&bytes[at - len..at])
            }
            5 => {
                at += 4;
                Field::Fixed32(bytes[at - 4..at].try_into().unwrap())
            }
            other => panic!("unexpected wire type {other} for field {number}"),
        };
        out.push((number, field));
    }
    assert_eq!(at, bytes.len(), "a field ran past the end of its message");
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 string")
}

fn packed(bytes: &[u8]) -> Vec<i64> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < bytes.len() {
        out.push(varint(bytes, &mut at) as i64);
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Attr {
    Int(i64),
    Ints(Vec<i64>),
    Float(f32),
    Text(String),
}

#[derive(Debug)]
struct Node {
    op: String,
    name: String,
    inputs: Vec<String>,
    outputs: Vec<String>,
    attrs: HashMap<String, Attr>,
}

#[derive(Debug, Clone)]
struct Initializer {
    dims: Vec<usize>,
    data_type: i64,
    raw: Vec<u8>,
}

impl Initializer {
    fn floats(&self) -> Vec<f32> {
        assert_eq!(self.data_type, onnx::FLOAT);
        self.raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }

    fn ints(&self) -> Vec<i64> {
        assert_eq!(self.data_type, onnx::INT64);
        self.raw
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }
}

/// A dimension of a graph input or output: a number or a symbolic name.
#[derive(Debug, PartialEq)]
enum Dim {
    Value(i64),
    Param(String),
}

#[derive(Debug)]
struct Model {
    ir_version: i64,
    opsets: Vec<(String, i64)>,
    nodes: Vec<Node>,
    initializers: Vec<(String, Initializer)>,
    inputs: Vec<(String, i64, Vec<Dim>)>,
    outputs: Vec<(String, i64, Vec<Dim>)>,
}

impl Model {
    fn initializer(&self, name: &str) -> &Initializer {
        &self
            .initializers
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no initialiser {name}"))
            .1
    }
}

fn attribute(bytes: &[u8]) -> (String, Attr) {
    let (mut name, mut kind) = (String::new(), 0);
    let (mut int, mut ints, mut float, mut string) = (None, Vec::new(), None, None);
    for (number, field) in fields(bytes) {
        match (number, field) {
            (1, Field::Bytes(b)) => name = text(b),
            (20, Field::Varint(v)) => kind = v,
            (3, Field::Varint(v)) => int = Some(v as i64),
            (8, Field::Bytes(b)) => ints.extend(packed(b)),
            (8, Field::Varint(v)) => ints.push(v as i64),
            (2, Field::Fixed32(b)) => float = Some(f32::from_le_bytes(b)),
            (4, Field::Bytes(b)) => string = Some(text(b)),
            (n, _) => panic!("unexpected attribute field {n}"),
        }
    }
    let value = match kind {
        1 => Attr::Float(float.expect("FLOAT attribute without f")),
        2 => Attr::Int(int.expect("INT attribute without i")),
        3 => Attr::Text(string.expect("STRING attribute without s")),
        7 => Attr::Ints(ints),
        other => panic!("attribute {name} has type {other}"),
    };
    (name, value)
}

fn value_info(bytes: &[u8]) -> (String, i64, Vec<Dim>) {
    let (mut name, mut elem_type, mut dims) = (String::new(), 0, Vec::new());
    for (number, field) in fields(bytes) {
        match (number, field) {
            (1, Field::Bytes(b)) => name = text(b),
            (2, Field::Bytes(type_proto)) => {
                for (n, f) in fields(type_proto) {
                    let (1, Field::Bytes(tensor)) = (n, f) else {
                        panic!("only tensor types expected")
                    };
                    for (n, f) in fields(tensor) {
                        match (n, f) {
                            (1, Field::Varint(v)) => elem_type = v as i64,
                            (2, Field::Bytes(shape)) => {
                                for (_, dim) in fields(shape) {
                                    let Field::Bytes(dim) = dim else { panic!() };
                                    for (n, f) in fields(dim) {
                                        dims.push(match (n, f) {
                                            (1, Field::Varint(v)) => Dim::Value(v as i64),
                                            (2, Field::Bytes(b)) => Dim::Param(text(b)),
                                            _ => panic!("bad dimension"),
                                        });
                                    }
                                }
                            }
                            _ => panic!("bad tensor type"),
                        }
                    }
                }
            }
            _ => panic!("bad value info"),
        }
    }
    (name, elem_type, dims)
}

fn decode(bytes: &[u8]) -> Model {
    let mut model = Model {
        ir_version: 0,
        opsets: Vec::new(),
        nodes: Vec::new(),
        initializers: Vec::new(),
        inputs: Vec::new(),
        outputs: Vec::new(),
    };
    for (number, field) in fields(bytes) {
        match (number, field) {
            (1, Field::Varint(v)) => model.ir_version = v as i64,
            (8, Field::Bytes(b)) => {
                let (mut domain, mut version) = (String::new(), 0);
                for (n, f) in fields(b) {
                    match (n, f) {
                        (1, Field::Bytes(d)) => domain = text(d),
                        (2, Field::Varint(v)) => version = v as i64,
                        _ => panic!("bad opset import"),
                    }
                }
                model.opsets.push((domain, version));
            }
            (7, Field::Bytes(graph)) => {
                for (n, f) in fields(graph) {
                    let Field::Bytes(b) = f else {
                        panic!("graph field {n} is not length-delimited")
                    };
                    match n {
                        1 => {
                            let mut node = Node {
                                op: String::new(),
                                name: String::new(),
                                inputs: Vec::new(),
                                outputs: Vec::new(),
                                attrs: HashMap::new(),
                            };
                            for (n, f) in fields(b) {
                                let Field::Bytes(b) = f else { panic!() };
                                match n {
                                    1 => node.inputs.push(text(b)),
                                    2 => node.outputs.push(text(b)),
                                    3 => node.name = text(b),
                                    4 => node.op = text(b),
                                    5 => {
                                        let (name, value) = attribute(b);
                                        node.attrs.insert(name, value);
                                    }
                                    n => panic!("unexpected node field {n}"),
                                }
                            }
                            model.nodes.push(node);
                        }
                        2 => {}
                        5 => {
                            let mut name = String::new();
                            let mut init = Initializer {
                                dims: Vec::new(),
                                data_type: 0,
                                raw: Vec::new(),
                            };
                            for (n, f) in fields(b) {
                                match (n, f) {
                                    (1, Field::Bytes(d)) => {
                                        init.dims = packed(d).iter().map(|&d| d as usize).collect()
                                    }
                                    (2, Field::Varint(v)) => init.data_type = v as i64,
                                    (8, Field::Bytes(d)) => name = text(d),
                                    (9, Field::Bytes(d)) => init.raw = d.to_vec(),
                                    (n, _) => panic!("unexpected tensor field {n}"),
                                }
                            }
                            model.initializers.push((name, init));
                        }
                        11 => model.inputs.push(value_info(b)),
                        12 => model.outputs.push(value_info(b)),
                        n => panic!("unexpected graph field {n}"),
                    }
                }
            }
            (2 | 3 | 6, Field::Bytes(_)) => {}
            (n, _) => panic!("unexpected model field {n}"),
        }
    }
    model
}

// ---- a naive interpreter of the ONNX operators used (batch 1) --------------------------------

#[derive(Clone)]
struct Image {
    c: usize,
    h: usize,
    w: usize,
    v: Vec<f32>,
}

impl Image {
    fn at(&self, c: usize, y: usize, x: usize) -> f32 {
        self.v[(c * self.h + y) * self.w + x]
    }
}

fn ints(node: &Node, name: &str) -> Vec<i64> {
    match node.attrs.get(name) {
        Some(Attr::Ints(v)) => v.clone(),
        other => panic!("{}: attribute {name} is {other:?}", node.name),
    }
}

/// ONNX `Pad` (mode reflect) on H and W: `pads` = [n0, c0, t, l, n1, c1, b, r].
fn pad_reflect(x: &Image, pads: &[i64]) -> Image {
    assert_eq!(pads.len(), 8);
    assert!(pads[0] == 0 && pads[1] == 0 && pads[4] == 0 && pads[5] == 0);
    let (t, l, b, r) = (pads[2], pads[3], pads[6], pads[7]);
    let (h, w) = (x.h as i64 + t + b, x.w as i64 + l + r);
    let reflect = |i: i64, n: i64| {
        let i = if i < 0 { -i } else { i };
        if i >= n { 2 * (n - 1) - i } else { i }
    };
    let mut v = Vec::with_capacity(x.c * (h * w) as usize);
    for c in 0..x.c {
        for y in 0..h {
            for xx in 0..w {
                let sy = reflect(y - t, x.h as i64) as usize;
                let sx = reflect(xx - l, x.w as i64) as usize;
                v.push(x.at(c, sy, sx));
            }
        }
    }
    Image {
        c: x.c,
        h: h as usize,
        w: w as usize,
        v,
    }
}

/// ONNX `Conv`, group 1: weight `[M, C, kh, kw]`, pads `[t, l, b, r]`.
fn conv(x: &Image, weight: &Initializer, bias: Option<&Initializer>, node: &Node) -> Image {
    assert_eq!(node.attrs.get("group"), Some(&Attr::Int(1)));
    let (k, s, p, d) = (
        ints(node, "kernel_shape"),
        ints(node, "strides"),
        ints(node, "pads"),
        ints(node, "dilations"),
    );
    let [m, c, kh, kw] = weight.dims[..] else {
        panic!()
    };
    assert_eq!((c, [kh as i64, kw as i64]), (x.c, [k[0], k[1]]));
    let h = ((x.h as i64 + p[0] + p[2] - d[0] * (k[0] - 1) - 1) / s[0] + 1) as usize;
    let w = ((x.w as i64 + p[1] + p[3] - d[1] * (k[1] - 1) - 1) / s[1] + 1) as usize;
    let (wv, bv) = (weight.floats(), bias.map(Initializer::floats));
    let mut v = vec![0f32; m * h * w];
    for o in 0..m {
        for y in 0..h {
            for xx in 0..w {
                let mut sum = bv.as_ref().map_or(0.0, |b| b[o]);
                for i in 0..c {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy = (y as i64) * s[0] - p[0] + ky as i64 * d[0];
                            let ix = (xx as i64) * s[1] - p[1] + kx as i64 * d[1];
                            if iy >= 0 && ix >= 0 && iy < x.h as i64 && ix < x.w as i64 {
                                sum += x.at(i, iy as usize, ix as usize)
                                    * wv[((o * c + i) * kh + ky) * kw + kx];
                            }
                        }
                    }
                }
                v[(o * h + y) * w + xx] = sum;
            }
        }
    }
    Image { c: m, h, w, v }
}

/// ONNX `ConvTranspose`, group 1: weight `[C, M, kh, kw]`.
fn conv_transpose(
    x: &Image,
    weight: &Initializer,
    bias: Option<&Initializer>,
    node: &Node,
) -> Image {
    assert_eq!(node.attrs.get("group"), Some(&Attr::Int(1)));
    let (s, p, op, d) = (
        ints(node, "strides"),
        ints(node, "pads"),
        ints(node, "output_padding"),
        ints(node, "dilations"),
    );
    let [c, m, kh, kw] = weight.dims[..] else {
        panic!()
    };
    assert_eq!(c, x.c);
    let h = (x.h as i64 - 1) * s[0] - p[0] - p[2] + d[0] * (kh as i64 - 1) + op[0] + 1;
    let w = (x.w as i64 - 1) * s[1] - p[1] - p[3] + d[1] * (kw as i64 - 1) + op[1] + 1;
    let (h, w) = (h as usize, w as usize);
    let (wv, bv) = (weight.floats(), bias.map(Initializer::floats));
    let mut v = vec![0f32; m * h * w];
    for o in 0..m {
        let b = bv.as_ref().map_or(0.0, |b| b[o]);
        v[o * h * w..(o + 1) * h * w].fill(b);
    }
    for i in 0..c {
        for iy in 0..x.h {
            for ix in 0..x.w {
                let value = x.at(i, iy, ix);
                for o in 0..m {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let y = iy as i64 * s[0] - p[0] + ky as i64 * d[0];
                            let xx = ix as i64 * s[1] - p[1] + kx as i64 * d[1];
                            if y >= 0 && xx >= 0 && y < h as i64 && xx < w as i64 {
                                v[(o * h + y as usize) * w + xx as usize] +=
                                    value * wv[((i * m + o) * kh + ky) * kw + kx];
                            }
                        }
                    }
                }
            }
        }
    }
    Image { c: m, h, w, v }
}

fn instance_norm(x: &Image, scale: &[f32], bias: &[f32], epsilon: f32) -> Image {
    let n = x.h * x.w;
    let mut v = x.v.clone();
    for c in 0..x.c {
        let plane = &mut v[c * n..(c + 1) * n];
        let mean = plane.iter().map(|&a| f64::from(a)).sum::<f64>() / n as f64;
        let var = plane
            .iter()
            .map(|&a| (f64::from(a) - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        let inv = 1.0 / (var + f64::from(epsilon)).sqrt();
        for a in plane {
            *a = ((f64::from(*a) - mean) * inv) as f32 * scale[c] + bias[c];
        }
    }
    Image { v, ..x.clone() }
}

fn map(x: &Image, f: impl Fn(f32) -> f32) -> Image {
    Image {
        v: x.v.iter().map(|&a| f(a)).collect(),
        ..x.clone()
    }
}

/// Runs the decoded graph on one image.
fn interpret(model: &Model, input: Image) -> Image {
    let mut values: HashMap<String, Image> = HashMap::from([("input".to_string(), input)]);
    for node in &model.nodes {
        let image = |i: usize| &values[&node.inputs[i]];
        let init = |i: usize| node.inputs.get(i).map(|name| model.initializer(name));
        let out = match node.op.as_str() {
            "Pad" => {
                assert_eq!(node.attrs["mode"], Attr::Text("reflect".into()));
                pad_reflect(image(0), &init(1).unwrap().ints())
            }
            "Conv" => conv(image(0), init(1).unwrap(), init(2), node),
            "ConvTranspose" => conv_transpose(image(0), init(1).unwrap(), init(2), node),
            "InstanceNormalization" => {
                let Attr::Float(epsilon) = node.attrs["epsilon"] else {
                    panic!()
                };
                instance_norm(
                    image(0),
                    &init(1).unwrap().floats(),
                    &init(2).unwrap().floats(),
                    epsilon,
                )
            }
            "Relu" => map(image(0), |a| a.max(0.0)),
            "Tanh" => map(image(0), f32::tanh),
            "Add" => {
                let (a, b) = (image(0), image(1));
                assert_eq!((a.c, a.h, a.w), (b.c, b.h, b.w));
                Image {
                    v: a.v.iter().zip(&b.v).map(|(x, y)| x + y).collect(),
                    ..a.clone()
                }
            }
            other => panic!("unexpected operator {other}"),
        };
        values.insert(node.outputs[0].clone(), out);
    }
    values
        .remove("output")
        .expect("the graph computes `output`")
}

// ---- the checks ------------------------------------------------------------------------------

/// The operators the generator's forward runs, in order.
fn expected_ops(n_blocks: usize) -> Vec<&'static str> {
    let mut ops = vec!["Pad", "Conv", "InstanceNormalization", "Relu"];
    for _ in 0..2 {
        ops.extend(["Conv", "InstanceNormalization", "Relu"]);
    }
    for _ in 0..n_blocks {
        ops.extend(["Pad", "Conv", "InstanceNormalization", "Relu"]);
        ops.extend(["Pad", "Conv", "InstanceNormalization", "Add"]);
    }
    for _ in 0..2 {
        ops.extend(["ConvTranspose", "InstanceNormalization", "Relu"]);
    }
    ops.extend(["Pad", "Conv", "Tanh"]);
    ops
}

/// Every parameter of a module by burn's path, with its shape and values.
fn parameters(generator: &ResnetGenerator) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    generator
        .collect(None, None, false)
        .iter()
        .map(|t| {
            let data = burn::store::bridge::to_data(t).unwrap().convert::<f32>();
            let shape = data.shape().to_vec();
            (t.name.clone(), shape, data.try_into_vec::<f32>().unwrap())
        })
        .collect()
}

/// Checks the decoded graph against `generator`: versions, inputs and outputs, operators in
/// order, wiring, and every parameter carried bit for bit under its own name.
fn check_structure(model: &Model, generator: &ResnetGenerator) {
    assert_eq!(model.ir_version, onnx::IR_VERSION);
    assert_eq!(model.opsets, vec![(String::new(), onnx::OPSET)]);
    let image = || {
        vec![
            Dim::Param("batch".into()),
            Dim::Value(3),
            Dim::Param("height".into()),
            Dim::Param("width".into()),
        ]
    };
    assert_eq!(model.inputs, vec![("input".into(), onnx::FLOAT, image())]);
    assert_eq!(model.outputs, vec![("output".into(), onnx::FLOAT, image())]);

    let ops: Vec<&str> = model.nodes.iter().map(|n| n.op.as_str()).collect();
    assert_eq!(ops, expected_ops(generator.blocks.len()));

    // Topological order: each input is the graph's input, an initialiser or an earlier output.
    let mut defined: Vec<&str> = vec!["input"];
    defined.extend(model.initializers.iter().map(|(n, _)| n.as_str()));
    for node in &model.nodes {
        for input in &node.inputs {
            assert!(
                defined.contains(&input.as_str()),
                "{} reads {input} before it exists",
                node.name
            );
        }
        assert_eq!(node.outputs.len(), 1);
        assert!(
            !defined.contains(&node.outputs[0].as_str()),
            "{} redefined",
            node.outputs[0]
        );
        defined.push(&node.outputs[0]);
    }
    assert_eq!(
        model.nodes.last().unwrap().outputs,
        vec!["output".to_string()]
    );
    // Each residual block adds its own input back.
    for (i, node) in model.nodes.iter().filter(|n| n.op == "Add").enumerate() {
        let first_pad = model
            .nodes
            .iter()
            .find(|n| n.name == format!("blocks.{i}.pad1"))
            .unwrap();
        assert_eq!(
            node.inputs[0], first_pad.inputs[0],
            "block {i}'s skip connection"
        );
    }

    // Every parameter, by name, same shape, same bits; nothing else but shared constants.
    let params = parameters(generator);
    for (name, shape, values) in &params {
        let init = model.initializer(name);
        assert_eq!(&init.dims, shape, "{name}");
        assert_eq!(&init.floats(), values, "{name}");
    }
    for (name, init) in &model.initializers {
        if params.iter().any(|(p, ..)| p == name) {
            continue;
        }
        match name.split_once('_') {
            Some(("pads", amount)) => {
                let a: i64 = amount.parse().unwrap();
                assert_eq!(init.ints(), vec![0, 0, a, a, 0, 0, a, a]);
            }
            Some(("ones", n)) => assert_eq!(init.floats(), vec![1.0; n.parse().unwrap()]),
            Some(("zeros", n)) => assert_eq!(init.floats(), vec![0.0; n.parse().unwrap()]),
            _ => panic!("unexpected initialiser {name}"),
        }
    }
    // The norms' ε is burn's (1e-5).
    for node in model
        .nodes
        .iter()
        .filter(|n| n.op == "InstanceNormalization")
    {
        assert_eq!(
            node.attrs["epsilon"],
            Attr::Float(generator.norm_stem.epsilon as f32)
        );
    }
}

/// The largest difference between the interpreted graph and burn's forward on a random
/// `height × width` input.
fn interpreted_vs_burn(
    model: &Model,
    generator: &ResnetGenerator,
    height: usize,
    width: usize,
) -> f32 {
    let values = bench_fixture::random_input(3 * height * width, 3);
    let burn = generator
        .forward(Tensor::from_data(
            TensorData::new(values.clone(), [1, 3, height, width]),
            &Device::flex(),
        ))
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    let ours = interpret(
        model,
        Image {
            c: 3,
            h: height,
            w: width,
            v: values,
        },
    );
    assert_eq!((ours.c, ours.h, ours.w), (3, height, width));
    max_diff(&ours.v, &burn)
}

#[test]
fn the_onnx_graph_is_the_generator() {
    let config = ResnetGeneratorConfig::new().with_ngf(4).with_n_blocks(2);
    let generator = random_generator(&config, 7, &Device::flex());
    let model = decode(&onnx::generator_to_onnx(&generator).unwrap());
    check_structure(&model, &generator);
    // Not square, so that a swapped H and W (pads, strides, output padding) would show.
    let diff = interpreted_vs_burn(&model, &generator, 12, 20);
    assert!(
        diff < 1e-4,
        "the graph computes something else: max |Δ| {diff}"
    );
}

#[test]
fn affine_norms_carry_their_scale_and_shift() {
    let config = ResnetGeneratorConfig::new()
        .with_ngf(2)
        .with_n_blocks(1)
        .with_norm_affine(true);
    let generator = random_generator(&config, 8, &Device::flex());
    let model = decode(&onnx::generator_to_onnx(&generator).unwrap());
    check_structure(&model, &generator);
    let norm = model
        .nodes
        .iter()
        .find(|n| n.name == "blocks.0.norm2")
        .unwrap();
    assert_eq!(
        norm.inputs[1..],
        ["blocks.0.norm2.gamma", "blocks.0.norm2.beta"]
    );
    let diff = interpreted_vs_burn(&model, &generator, 16, 8);
    assert!(diff < 1e-4, "max |Δ| {diff}");
}

/// A run folder with just what `export-onnx` reads: `latest/state.json`, `G_A.bpk`, `G_B.bpk`.
fn write_run(dir: &Path, config: &ResnetGeneratorConfig) -> [ResnetGenerator; 2] {
    let snapshot = dir.join("run/latest");
    std::fs::create_dir_all(&snapshot).unwrap();
    let state = TrainingState {
        format: FORMAT,
        epoch: 1,
        iterations: 1,
        seed: 0,
        generator: config.clone(),
        discriminator: PatchDiscriminatorConfig::new(),
        crop_size: 16,
    };
    std::fs::write(
        snapshot.join("state.json"),
        serde_json::to_string(&state).unwrap(),
    )
    .unwrap();
    let generators = [1, 2].map(|seed| random_generator(config, seed, &Device::flex()));
    for (file, generator) in ["G_A.bpk", "G_B.bpk"].iter().zip(&generators) {
        let bytes = weights::to_bytes(generator, Precision::F32).unwrap();
        std::fs::write(snapshot.join(file), bytes).unwrap();
    }
    generators
}

#[test]
fn export_onnx_writes_each_direction_from_its_generator() {
    let dir = tempfile::tempdir().unwrap();
    let config = ResnetGeneratorConfig::new().with_ngf(2).with_n_blocks(1);
    let [g_a, g_b] = write_run(dir.path(), &config);
    let args = |direction, out: &str| ExportOnnxArgs {
        run: SnapshotArgs::latest("run", dir.path()),
        direction,
        out: dir.path().join(out),
    };

    let written = onnx::run(&args(Directions::Both, "both")).unwrap();
    assert_eq!(
        written,
        [
            dir.path().join("both/a_to_b.onnx"),
            dir.path().join("both/b_to_a.onnx")
        ]
    );
    check_structure(&decode(&std::fs::read(&written[0]).unwrap()), &g_a);
    check_structure(&decode(&std::fs::read(&written[1]).unwrap()), &g_b);

    let written = onnx::run(&args(Directions::BToA, "one")).unwrap();
    assert_eq!(written, [dir.path().join("one/b_to_a.onnx")]);
    assert!(!dir.path().join("one/a_to_b.onnx").exists());

    let mut missing = args(Directions::Both, "none");
    missing.run.name = "nothing".into();
    let error = format!("{:#}", onnx::run(&missing).unwrap_err());
    assert!(error.contains("train it first"), "{error}");
    missing.run.name = "../run".into();
    assert!(onnx::run(&missing).is_err(), "a path is not a run name");
}

#[test]
fn the_bench_fixture_is_one_network_in_every_form() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fixture");
    let (ngf, n_blocks, size) = (4, 1, 16);
    bench_fixture::run(&BenchFixtureArgs {
        ngf,
        n_blocks,
        size,
        seed: 5,
        out: out.clone(),
    })
    .unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(
        (
            &meta["ngf"],
            &meta["n_blocks"],
            &meta["width"],
            &meta["height"]
        ),
        (&ngf.into(), &n_blocks.into(), &size.into(), &size.into())
    );
    let input = read_f32(&out.join(meta["input"].as_str().unwrap())).unwrap();
    let expected = read_f32(&out.join(meta["expected"].as_str().unwrap())).unwrap();
    assert_eq!(
        (input.len(), expected.len()),
        (3 * size * size, 3 * size * size)
    );
    assert!(input.iter().all(|v| (-1.0..=1.0).contains(v)));
    assert!(expected.iter().any(|&v| v != 0.0) && expected.iter().all(|v| v.abs() <= 1.0));

    // The web model, loaded as the browser loads it, computes the expected output.
    let web = load_web_model(&out.join("model"));
    assert_eq!(web.manifest.precision, Precision::F32);
    let generator = web.generator(Direction::AToB).unwrap();
    let translated = generator
        .forward(Tensor::from_data(
            TensorData::new(input.clone(), [1, 3, size, size]),
            &Device::flex(),
        ))
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    assert!(max_diff(&translated, &expected) < 1e-6);

    // The ONNX file is the same network: same weights, and it computes the expected output too.
    let model = decode(&std::fs::read(out.join(meta["onnx"].as_str().unwrap())).unwrap());
    check_structure(&model, generator);
    let ours = interpret(
        &model,
        Image {
            c: 3,
            h: size,
            w: size,
            v: input,
        },
    );
    let diff = max_diff(&ours.v, &expected);
    assert!(diff < 1e-4, "max |Δ| {diff}");

    // Same seed, same fixture; another seed, other weights.
    let again = dir.path().join("again");
    let args = |seed, out: &Path| BenchFixtureArgs {
        ngf,
        n_blocks,
        size,
        seed,
        out: out.to_path_buf(),
    };
    bench_fixture::run(&args(5, &again)).unwrap();
    // (The burnpack file holds random parameter ids; the ONNX file holds the same weights.)
    for file in ["generator.onnx", "input.f32", "expected.f32"] {
        let same =
            std::fs::read(out.join(file)).unwrap() == std::fs::read(again.join(file)).unwrap();
        assert!(same, "{file} differs between two runs with the same seed");
    }
    let other = dir.path().join("other");
    bench_fixture::run(&args(6, &other)).unwrap();
    let differ = std::fs::read(out.join("generator.onnx")).unwrap()
        != std::fs::read(other.join("generator.onnx")).unwrap();
    assert!(differ, "another seed gives other weights");
    let mut bad = args(5, &dir.path().join("bad"));
    bad.size = 10;
    let error = bench_fixture::run(&bad).unwrap_err().to_string();
    assert!(error.contains("multiple of 4"), "{error}");
}
