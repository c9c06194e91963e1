"""seisview's own contributions, registered through the same entry-point group as plugins.

Targets are ``module:attribute`` strings imported lazily on first use. Each area
keeps its own block below (one owner per block).
"""


def manifest() -> dict:
    return {
        "name": "seisview-builtins",
        "version": __import__("seisview").__version__,
        "contributions": [
            # -- readers (survey I/O) --
            # reader meta: "data" ("survey" unless said), "extensions", "default" (for any other
            # suffix), "scan" (a SEG-Y-style scan and open dialog come first). A survey reader's
            # target is load(path, *, state=None) -> Volume | GatherSet.
            {"kind": "reader", "name": "segy", "target": "seisview.io.segy:load",
             "description": "SEG-Y rev 0/1/2: post-stack 3-D/2-D, pre-stack, unstructured",
             "meta": {"default": True, "scan": True,
                      "extensions": [".sgy", ".segy", ".su", ".zarr"]}},
            # -- label and pick formats (meta "import" / "export": what they can do). A plugin
            # format's target has import_labels(labels, palette, files) -> dict and/or
            # export_labels(labels, palette, out) (picks: import_picks(path) -> {(key, channel):
            # (ms, confidence)}, export_picks({(key, channel): Pick}, out)); the built-ins are handled in
            # seisview.io.project_transfer, their targets name the code that does the work.
            {"kind": "label_format", "name": "malenov", "target": "seisview.io.label_formats:read_points",
             "description": "MalenoV / Petrel point files: inline crossline time, one file per class",
             "meta": {"import": True, "export": True, "patterns": ["*.pts", "*.txt", "*.dat"],
                      "folder": True}},
            {"kind": "label_format", "name": "opendtect", "target": "seisview.io.label_formats:read_points",
             "description": "OpendTect point files: inline crossline time, one file per class",
             "meta": {"import": True, "export": True, "patterns": ["*.txt", "*.dat", "*.pts"],
                      "folder": True}},
            {"kind": "label_format", "name": "image", "target": "seisview.io.label_formats:import_images",
             "description": "Label images of a section, palette colours",
             "meta": {"import": True, "patterns": ["*.png", "*.tif", "*.tiff", "*.bmp"]}},
            {"kind": "label_format", "name": "segy", "target": "seisview.io.label_formats:export_segy",
             "description": "SEG-Y label cube on the survey geometry (class id per sample)",
             "meta": {"export": True, "patterns": ["*.sgy", "*.segy"]}},
            {"kind": "label_format", "name": "npy", "target": "seisview.io.label_formats:export_npy",
             "description": "numpy label cube (il, xl, sample) uint8",
             "meta": {"export": True, "patterns": ["*.npy"]}},
            *[{"kind": "pick_format", "name": _n, "target": _t, "description": _d,
               "meta": {"import": True, "export": True, "patterns": _p}}
              for _n, _t, _d, _p in (
                  ("csv", "seisview.io.pick_formats:read_csv",
                   "Pick table: ffid,channel,time_ms[,confidence]", ["*.csv", "*.txt"]),
                  ("json", "seisview.io.pick_formats:read_json", "seisview JSON picks", ["*.json"]),
                  ("segy-header", "seisview.io.pick_formats:read_segy_header",
                   "SEG-Y trace headers: int32 microseconds at a byte (default 233)",
                   ["*.sgy", "*.segy"]),
                  ("sgt", "seisview.io.pick_sgt:sgt_picks", "pyGIMLi / refrapy travel times",
                   ["*.sgt"]))],
            # -- panels (viewer) --
            # -- panels and tools (interpretation: palette, labels, picks) --
            {"kind": "panel", "name": "labels", "target": "seisview.qt.labels_panel:make_panel",
             "description": "facies classes, brush/eraser/fill/polygon, labelled sections, first-break "
                            "picking, File → New/Open project",
             "meta": {"title": "Labels and picks", "area": "right"}},
            # -- models and panels (training) --
            # model meta: "task" (facies unless said), "default" (the task's first choice),
            # "recipe" (its settings when the user picked none), "optimizer" ("adam" unless
            # said), "pretrained_encoder" (takes `--init` encoder files); see docs/architecture.md
            {"kind": "model", "name": "unet", "target": "seisview.ml.models.unet:UNet",
             "description": "dense U-Net from sparse strokes, coarse texture-scale logits",
             # logits at 1/16, a 1/4-resolution refinement, two members averaged (measurements:
             # docs/measurements.md, "facies defaults")
             "meta": {"default": True, "recipe": {"depth": 4, "refine": 4, "members": 2}}},
            {"kind": "model", "name": "waldeland", "target": "seisview.ml.models.waldeland:WaldelandCNN",
             "description": "Waldeland 65x65 patch CNN (seed 004), applied densely"},
            {"kind": "model", "name": "vgg16", "target": "seisview.ml.models.vgg:VGG16Facies",
             "description": "VGG16-style encoder, first layers frozen, new head (SGD fine-tuning)",
             "meta": {"optimizer": "sgd", "pretrained_encoder": True}},
            {"kind": "model", "name": "resnet", "target": "seisview.ml.models.resnet:ResNetFacies",
             "description": "ResNet-style encoder with a facies head (seed 004 comparison)"},
            {"kind": "panel", "name": "training", "target": "seisview.qt.training_panel:TrainingPanel",
             "description": "train facies models live: start/pause/cancel, curves, label-here-next",
             "meta": {"title": "Training", "area": "right"}},
            # -- models (pretraining, first-break picker) --
            {"kind": "model", "name": "autoencoder",
             "target": "seisview.ml.models.autoencoder:ConvAutoencoder",
             "description": "masked conv autoencoder, self-supervised pretraining (seed 001)",
             "meta": {"task": "pretrain"}},
            {"kind": "model", "name": "gan", "target": "seisview.ml.models.gan:PatchGAN",
             "description": "GAN, spectral-norm discriminator, BCE on logits (seed 001)",
             "meta": {"task": "pretrain"}},
            {"kind": "panel", "name": "pretraining", "target": "seisview.qt.pretrain_panel:make_panel",
             "description": "self-supervised pretraining (autoencoder, GAN) with live previews, "
                            "and the latent walk (seismic dreams)",
             "meta": {"title": "Pretraining", "area": "right"}},
            {"kind": "model", "name": "fb-unet", "target": "seisview.ml.models.fb_unet:FirstBreakUNet",
             "description": "first-break U-Net on gathers (Heaviside target, pick + confidence)",
             "meta": {"task": "firstbreak"}},
            {"kind": "panel", "name": "first-breaks", "target": "seisview.qt.firstbreak_panel:make_panel",
             "description": "train the first-break picker on the picks, confidence-coloured "
                            "predictions on the gather, accept into the pick set",
             "meta": {"title": "First-break picker", "area": "right"}},
            # -- attributes and panels (introspection) --
            # attribute targets: (volume, spec, **params) -> section-shaped array
            *[{"kind": "attribute", "name": _n, "target": f"seisview.attributes.section_attributes:{_n}",
               "description": _d, "meta": {"layer_kind": "attribute", "colormap": _c}}
              for _n, _c, _d in (
                  ("envelope", "viridis", "instantaneous amplitude (envelope)"),
                  ("phase", "seismic", "instantaneous phase (rad)"),
                  ("frequency", "viridis", "instantaneous frequency (Hz)"),
                  ("rms", "viridis", "RMS amplitude in a 9-sample window"),
                  ("bandpass", "seismic", "band-pass amplitude, 10-30 Hz by default (low_hz=, high_hz=)"),
                  ("glcm_energy", "viridis", "GLCM energy (angular second moment), 9x9 window"),
                  ("glcm_entropy", "viridis", "GLCM entropy (bits), 9x9 window"),
                  ("glcm_homogeneity", "viridis", "GLCM homogeneity, 9x9 window"),
                  ("glcm_contrast", "viridis", "GLCM contrast, 9x9 window"),
                  ("glcm_correlation", "viridis", "GLCM correlation, 9x9 window"))],
            {"kind": "panel", "name": "activations", "target": "seisview.qt.activation_panel:make_panel",
             "description": "channel maps of a layer on the current section, live with training; "
                            "click one to overlay it",
             "meta": {"title": "Activations", "area": "right"}},
            {"kind": "panel", "name": "crossplot", "target": "seisview.qt.crossplot_panel:make_panel",
             "description": "activation statistics crossplot (in/out-of-phase pairs), lasso, CSV/PNG",
             "meta": {"title": "Statistics crossplot", "area": "bottom"}},
            # -- panels and commands (plugins, wells) --
            {"kind": "panel", "name": "plugins", "target": "seisview.qt.plugins_dialog:make_panel",
             "description": "installed plugins, their contributions and errors (also Help → Plugins…)",
             "meta": {"title": "Plugins", "area": "right"}},
            {"kind": "panel", "name": "well-logs", "target": "seisview.qt.well_panel:make_panel",
             "description": "LAS log tracks; the well is placed on the map when it has coordinates",
             "meta": {"title": "Well logs", "area": "right"}},
            {"kind": "reader", "name": "las", "target": "seisview.io.wells:read_las",
             "description": "LAS 2.0/3.0 well logs -> WellLog (not a survey)",
             "meta": {"extensions": [".las"], "data": "well"}},
        ],
    }
