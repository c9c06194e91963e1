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
            {"kind": "reader", "name": "segy", "target": "seisview.io.segy:load",
             "description": "SEG-Y rev 0/1/2: post-stack 3-D/2-D, pre-stack, unstructured"},
            # -- panels (viewer) --
            # -- panels and tools (interpretation: palette, labels, picks) --
            {"kind": "panel", "name": "labels", "target": "seisview.qt.labels_panel:make_panel",
             "description": "facies classes, brush/eraser/fill/polygon, labelled sections, first-break "
                            "picking, File → New/Open project",
             "meta": {"title": "Labels and picks", "area": "right"}},
            # -- models and panels (training) --
            {"kind": "model", "name": "waldeland", "target": "seisview.ml.models.waldeland:WaldelandCNN",
             "description": "Waldeland 65x65 patch CNN (seed 004), applied densely"},
            {"kind": "model", "name": "unet", "target": "seisview.ml.models.unet:UNet",
             "description": "dense U-Net from sparse strokes, coarse texture-scale logits"},
            {"kind": "model", "name": "vgg16", "target": "seisview.ml.models.vgg:VGG16Facies",
             "description": "VGG16-style encoder, first layers frozen, new head (SGD fine-tuning)"},
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
                  ("rms", "viridis", "RMS amplitude in a window"),
                  ("bandpass", "seismic", "band-pass filtered amplitude (frequency attribute)"),
                  ("glcm_energy", "viridis", "GLCM texture energy (angular second moment)"),
                  ("glcm_entropy", "viridis", "GLCM texture entropy"),
                  ("glcm_homogeneity", "viridis", "GLCM texture homogeneity"),
                  ("glcm_contrast", "viridis", "GLCM texture contrast"),
                  ("glcm_correlation", "viridis", "GLCM texture correlation"))],
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
