"""What a release file is expected to hold: audio format, frame rate, NPZ keys and their per-frame shapes.

The public material names the NPZ keys but not every shape. The per-frame shapes below are the ones `siqa synth`
writes; the reader never rejects a file for a shape, it only needs the leading axis to be frames at 30 Hz.
"""

from __future__ import annotations

SAMPLE_RATE = 48_000
SAMPLE_SUBTYPE = "PCM_16"
CHANNELS = 1
FPS = 30.0

MODALITIES = ("wav", "mp4", "json", "npz")
"""Logical modalities of one participant file (the suffixes of the extracted and tar layouts)."""

ANNOTATION_TYPES = ("1P-IS", "1P-R", "3P-IS", "3P-R", "3P-V")
TRANSCRIPT_KEY = "metadata:transcript"
VAD_KEY = "metadata:vad"

# Per-frame shape of each documented NPZ key (frames are the leading axis, 30 Hz).
# The face keypoints follow COCO-WholeBody (133 points: 17 body, 6 feet, 68 face, 21 + 21 hands), x, y, score.
NPZ_FRAME_SHAPES: dict[str, tuple[int, ...]] = {
    "boxes_and_keypoints:box": (4,),
    "boxes_and_keypoints:is_valid_box": (),
    "boxes_and_keypoints:keypoints": (133, 3),
    "movement:EmotionArousalToken": (),
    "movement:EmotionValenceToken": (),
    "movement:FAUToken": (),
    "movement:FAUValue": (24,),
    "movement:alignment_head_rotation": (3,),
    "movement:alignment_translation": (3,),
    "movement:emotion_arousal": (),
    "movement:emotion_scores": (8,),
    "movement:emotion_valence": (),
    "movement:expression": (50,),
    "movement:frame_latent": (128,),
    "movement:gaze_encodings": (16,),
    "movement:head_encodings": (16,),
    "movement:hypernet_features": (64,),
    "movement:is_valid": (),
    "smplh:body_pose": (63,),
    "smplh:global_orient": (3,),
    "smplh:is_valid": (),
    "smplh:left_hand_pose": (45,),
    "smplh:right_hand_pose": (45,),
    "smplh:translation": (3,),
}
NPZ_KEYS = tuple(NPZ_FRAME_SHAPES)
VALIDITY_KEYS = ("boxes_and_keypoints:is_valid_box", "movement:is_valid", "smplh:is_valid")

FACE_KEYPOINTS = slice(23, 91)
"""The 68 face points inside the 133 COCO-WholeBody keypoints; the mouth is face points 48-67."""
UPPER_LIP = tuple(FACE_KEYPOINTS.start + i for i in (49, 50, 51, 52, 53, 61, 62, 63))
LOWER_LIP = tuple(FACE_KEYPOINTS.start + i for i in (55, 56, 57, 58, 59, 65, 66, 67))
"""Upper and lower lip, outer and inner contour, as keypoint indices (iBUG 68-point face: 48-59 outer lip with
the corners at 48 and 54, 60-67 inner lip with the corners at 60 and 64)."""
