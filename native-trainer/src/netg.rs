//! Generator architecture names as the reference spells them: `resnet_9blocks`, `resnet_6blocks`,
//! and (an extension) `resnet_<N>blocks` for any N.

use std::fmt;
use std::str::FromStr;

/// A `--netG` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetG {
    /// Residual blocks.
    pub blocks: usize,
}

impl NetG {
    /// The paper's 256² generator.
    pub const RESNET_9: NetG = NetG { blocks: 9 };
}

impl FromStr for NetG {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let blocks = text
            .strip_prefix("resnet_")
            .and_then(|rest| rest.strip_suffix("blocks"))
            .and_then(|n| n.parse::<usize>().ok());
        match blocks {
            Some(blocks) if (1..=64).contains(&blocks) => Ok(NetG { blocks }),
            _ if text.starts_with("unet") => Err(format!(
                "'{text}' is pix2pix's U-Net; CycleGAN models in Unpaired use resnet_9blocks or resnet_6blocks"
            )),
            _ => Err(format!(
                "unknown generator '{text}': expected resnet_9blocks, resnet_6blocks (or resnet_<N>blocks)"
            )),
        }
    }
}

impl fmt::Display for NetG {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "resnet_{}blocks", self.blocks)
    }
}

impl serde::Serialize for NetG {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for NetG {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
