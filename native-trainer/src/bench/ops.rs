//! `bench --ops`: where a generator forward spends its time. Each kind of layer of the generator
//! is timed alone at the shapes it sees (median over `--iters`, after `--warmup`, waiting for the
//! device after each run), multiplied by how often a forward runs it, and printed as one JSON line
//! with its share of the sum; then the whole forward (for the overhead between layers), and the
//! residual convolution's forward + backward as a training iteration runs it.

use anyhow::Result;
use burn::tensor::activation::{relu, tanh};
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Tensor};

use super::{BenchArgs, random, time};

/// One timed layer kind.
struct Op {
    name: &'static str,
    shape: [usize; 4],
    count: usize,
    ms: f64,
}

/// Times `work(input)` for a fresh input of `shape`, keeping the output until the device is done.
fn measure(
    args: &BenchArgs,
    device: &Device,
    name: &'static str,
    shape: [usize; 4],
    count: usize,
    work: impl Fn(Tensor<4>) -> Tensor<4>,
) -> Result<Op> {
    let input = random(shape, device);
    device.sync()?;
    let (ms, _) = time(args, || {
        let output = work(input.clone());
        device.sync()?;
        drop(output);
        Ok(())
    })?;
    Ok(Op {
        name,
        shape,
        count,
        ms,
    })
}

/// Prints the profile.
pub fn profile(args: &BenchArgs, device: &Device) -> Result<()> {
    let plan = args.conv.plan();
    let generator = super::generator_config(args)
        .init(device)
        .with_conv_plan(plan);
    let (s, n, b) = (args.size, args.ngf, args.net_g.blocks);
    let (h, q) = (s / 2, s / 4);
    let block = &generator.blocks[0];
    let pad = |amount: usize| {
        move |x: Tensor<4>| x.pad((amount, amount, amount, amount), PadMode::Reflect)
    };
    let norm_relu = |norm: &burn::nn::InstanceNorm| {
        let norm = norm.clone();
        move |x: Tensor<4>| relu(norm.forward(x))
    };
    let g = &generator;
    let ops = vec![
        measure(args, device, "reflect_pad3", [1, 3, s, s], 1, pad(3))?,
        measure(args, device, "stem_conv7x7", [1, 3, s + 6, s + 6], 1, |x| {
            g.stem.forward(x)
        })?,
        measure(
            args,
            device,
            "norm_relu",
            [1, n, s, s],
            2,
            norm_relu(&g.norm_stem),
        )?,
        measure(args, device, "down1_conv3x3_s2", [1, n, s, s], 1, |x| {
            g.down1.forward(x)
        })?,
        measure(
            args,
            device,
            "norm_relu",
            [1, 2 * n, h, h],
            2,
            norm_relu(&g.norm_down1),
        )?,
        measure(args, device, "down2_conv3x3_s2", [1, 2 * n, h, h], 1, |x| {
            g.down2.forward(x)
        })?,
        measure(
            args,
            device,
            "norm_relu",
            [1, 4 * n, q, q],
            1 + b,
            norm_relu(&g.norm_down2),
        )?,
        measure(
            args,
            device,
            "res_reflect_pad1",
            [1, 4 * n, q, q],
            2 * b,
            pad(1),
        )?,
        measure(
            args,
            device,
            "res_conv3x3",
            [1, 4 * n, q + 2, q + 2],
            2 * b,
            |x| plan.forward(&block.conv1, x),
        )?,
        measure(args, device, "res_norm_add", [1, 4 * n, q, q], b, |x| {
            x.clone() + block.norm2.forward(x)
        })?,
        measure(
            args,
            device,
            "up1_conv_transpose3x3",
            [1, 4 * n, q, q],
            1,
            |x| g.up1.forward(x),
        )?,
        measure(
            args,
            device,
            "up2_conv_transpose3x3",
            [1, 2 * n, h, h],
            1,
            |x| g.up2.forward(x),
        )?,
        measure(args, device, "reflect_pad3", [1, n, s, s], 1, pad(3))?,
        measure(args, device, "head_conv7x7", [1, n, s + 6, s + 6], 1, |x| {
            g.head.forward(x)
        })?,
        measure(args, device, "tanh", [1, 3, s, s], 1, tanh)?,
    ];
    let sum: f64 = ops.iter().map(|op| op.ms * op.count as f64).sum();
    for op in &ops {
        print_op(args, op, Some(sum));
    }
    let whole = measure(args, device, "generator_forward", [1, 3, s, s], 1, |x| {
        g.forward(x)
    })?;
    print_op(args, &whole, None);

    // Training: the residual conv forward + backward (input and weight gradients), as often as an
    // iteration runs it (six generator forwards: two translations, two reconstructions, two
    // identities, each with 2·blocks residual convs, all back-propagated).
    let autodiff = device.clone().autodiff();
    let trained = super::generator_config(args)
        .with_n_blocks(1)
        .init(&autodiff)
        .with_conv_plan(plan);
    let conv = trained.blocks[0].conv1.clone();
    let backward = measure(
        args,
        &autodiff,
        "res_conv3x3_forward_backward",
        [1, 4 * n, q + 2, q + 2],
        6 * 2 * b,
        |x| {
            let x = x.require_grad();
            let gradients = plan.forward(&conv, x.clone()).sum().backward();
            x.grad(&gradients).expect("the input takes part in the sum")
        },
    )?;
    print_op(args, &backward, None);
    Ok(())
}

fn print_op(args: &BenchArgs, op: &Op, forward_sum: Option<f64>) {
    let per_forward = op.ms * op.count as f64;
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "bench": "cyclegan-op",
            "op": op.name,
            "input": op.shape,
            "conv": args.conv.plan(),
            "ms_median": op.ms,
            "count": op.count,
            "ms_total": round(per_forward),
            "share_of_layer_sum": forward_sum.map(|sum| round(per_forward / sum)),
        })
    );
}
