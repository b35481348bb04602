//! Photos of surveys: their limits, how a photo is named (the SHA-256 of its bytes, so the same
//! photo is stored once) and the wire shapes of the chunked, resumable upload.
//!
//! Only rules and shapes go here. Hashing, resizing and storing are the tablet's and the
//! server's: this crate stays pure (no sha2, no I/O) so it builds for wasm32.

use serde::{Deserialize, Serialize};

use crate::{
    api::ErrorBody,
    validation::{FieldErrors, Problem},
};

/// The largest photo the server takes. A tablet's photo, resized to [`PHOTO_LONGEST_SIDE`] and
/// saved as JPEG, is well under this.
pub const PHOTO_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// The largest chunk of one `PUT /api/photos/{hash}/upload`: small enough to get through a weak
/// mobile connection before it drops, so little is sent twice after a drop.
pub const CHUNK_MAX_BYTES: usize = 256 * 1024;

/// The tablet resizes every photo so its longer side is at most this many pixels.
pub const PHOTO_LONGEST_SIDE: u32 = 2000;

/// A survey lists at most this many photos.
pub const PHOTOS_PER_SURVEY: usize = 20;

/// The image types the server accepts, by MIME type.
pub const PHOTO_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

/// Whether `hash` is a photo's name: the SHA-256 of its bytes as 64 lowercase hex digits.
pub fn hash_is_valid(hash: &str) -> bool {
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The MIME type of an image from its first bytes (12 are enough), for the types in
/// [`PHOTO_TYPES`] only; `None` for anything else, whatever its file name says.
pub fn image_type(first_bytes: &[u8]) -> Option<&'static str> {
    match first_bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ => None,
    }
}

/// The types a file sent through the upload may have: the photos' images, and PDF for the
/// scanned reports and decisions attached to a commendation proposal.
pub fn file_type(first_bytes: &[u8]) -> Option<&'static str> {
    match first_bytes {
        [b'%', b'P', b'D', b'F', b'-', ..] => Some("application/pdf"),
        other => image_type(other),
    }
}

/// A photo as a survey lists it: its name (the SHA-256 of its bytes) and what the tablet knew
/// of it when it was taken, so a placeholder of the right shape shows until the photo arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// SHA-256 of the bytes, 64 lowercase hex digits.
    pub hash: String,
    /// Size in bytes, 1 to [`PHOTO_MAX_BYTES`].
    pub bytes: u64,
    /// In pixels, 1 to [`PHOTO_LONGEST_SIDE`].
    pub width: u32,
    pub height: u32,
}

impl PhotoRef {
    /// What a reference needs: a well-formed hash, a size the server takes, and the dimensions
    /// of a resized photo.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        self.check(&mut errors, "");
        errors.into_result()
    }

    /// Adds the problems of this reference to `errors`, its fields named `{prefix}hash`, ….
    pub fn check(&self, errors: &mut FieldErrors, prefix: &str) {
        if !hash_is_valid(&self.hash) {
            errors.add(&format!("{prefix}hash"), Problem::InvalidFormat);
        }
        if self.bytes == 0 || self.bytes > PHOTO_MAX_BYTES {
            errors.add(&format!("{prefix}bytes"), Problem::OutOfRange);
        }
        for (field, pixels) in [("width", self.width), ("height", self.height)] {
            if pixels == 0 || pixels > PHOTO_LONGEST_SIDE {
                errors.add(&format!("{prefix}{field}"), Problem::OutOfRange);
            }
        }
    }
}

/// Where the upload of one photo stands: the answer of `GET` and `PUT
/// /api/photos/{hash}/upload`. The tablet sends its next chunk from `received`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadState {
    /// Bytes the server holds of this photo, counted from its start.
    pub received: u64,
    /// The photo is stored whole (by this upload or an earlier one, from any tablet): nothing
    /// more to send.
    pub complete: bool,
}

/// The answer to a chunk that does not fit the upload as the server holds it (409
/// `wrong_offset` or `total_changed`): the error and, beside its fields, where to send from.
/// The body reads as an [`ErrorBody`] and as an [`UploadState`] alike, so a tablet may take the
/// state from it and go on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadRefused {
    #[serde(flatten)]
    pub error: ErrorBody,
    /// `wrong_offset`: where the upload stands. `total_changed`: 0, send the photo again from its
    /// start (a first chunk replaces an upload that declared another size).
    #[serde(flatten)]
    pub upload: UploadState,
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn a_hash_is_64_lowercase_hex_digits() {
        assert!(hash_is_valid(HASH));
        assert!(hash_is_valid(&"0".repeat(64)));
        assert!(!hash_is_valid(&HASH.to_uppercase()));
        assert!(!hash_is_valid(&HASH[..63]));
        assert!(!hash_is_valid(&format!("{HASH}0")));
        assert!(!hash_is_valid(&HASH.replace('f', "g")));
        assert!(!hash_is_valid(""));
        assert!(!hash_is_valid(&"é".repeat(32)));
        assert!(!hash_is_valid("../../etc/passwd"));
    }

    #[test]
    fn jpeg_png_and_webp_are_recognised_by_their_first_bytes_and_nothing_else() {
        assert_eq!(
            image_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some("image/jpeg")
        );
        assert_eq!(
            image_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(image_type(b"RIFF\x24\0\0\0WEBPVP8 "), Some("image/webp"));
        // Other RIFF files (a WAV sound), GIF, PDF, text, too short, empty.
        assert_eq!(image_type(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(image_type(b"GIF89a\x01\0\x01\0"), None);
        assert_eq!(image_type(b"%PDF-1.7\n"), None);
        assert_eq!(file_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(file_type(b"%PDF"), None);
        assert_eq!(file_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(file_type(b"<html><body>"), None);
        assert_eq!(image_type(b"<html><body>"), None);
        assert_eq!(image_type(&[0xFF, 0xD8]), None);
        assert_eq!(image_type(b"RIFF\x24\0\0\0WEB"), None);
        assert_eq!(image_type(&[]), None);
        for found in [
            image_type(&[0xFF, 0xD8, 0xFF]),
            image_type(b"\x89PNG\r\n\x1a\n"),
            image_type(b"RIFF\0\0\0\0WEBP"),
        ] {
            assert!(PHOTO_TYPES.contains(&found.unwrap()));
        }
    }

    fn photo() -> PhotoRef {
        PhotoRef {
            hash: HASH.to_owned(),
            bytes: 612_345,
            width: 2000,
            height: 1500,
        }
    }

    #[test]
    fn a_reference_to_a_resized_photo_is_valid() {
        assert_eq!(photo().validate(), Ok(()));
        let smallest = PhotoRef {
            bytes: 1,
            width: 1,
            height: 1,
            ..photo()
        };
        assert_eq!(smallest.validate(), Ok(()));
        let largest = PhotoRef {
            bytes: PHOTO_MAX_BYTES,
            width: PHOTO_LONGEST_SIDE,
            height: PHOTO_LONGEST_SIDE,
            ..photo()
        };
        assert_eq!(largest.validate(), Ok(()));
    }

    #[test]
    fn a_bad_reference_names_each_bad_field() {
        let bad = PhotoRef {
            hash: "not a hash".into(),
            bytes: PHOTO_MAX_BYTES + 1,
            width: 0,
            height: PHOTO_LONGEST_SIDE + 1,
        };
        let errors = bad.validate().unwrap_err();
        assert_eq!(errors.get("hash"), Some(Problem::InvalidFormat));
        assert_eq!(errors.get("bytes"), Some(Problem::OutOfRange));
        assert_eq!(errors.get("width"), Some(Problem::OutOfRange));
        assert_eq!(errors.get("height"), Some(Problem::OutOfRange));
        let empty = PhotoRef {
            bytes: 0,
            ..photo()
        };
        assert_eq!(
            empty.validate().unwrap_err().get("bytes"),
            Some(Problem::OutOfRange)
        );

        let mut errors = FieldErrors::default();
        PhotoRef {
            hash: HASH.to_uppercase(),
            ..photo()
        }
        .check(&mut errors, "photos.3.");
        assert_eq!(errors.get("photos.3.hash"), Some(Problem::InvalidFormat));
    }

    #[test]
    fn a_survey_lists_few_distinct_valid_photos() {
        use crate::{
            ids::{CampaignId, ModelId, SurveyId, UserId},
            survey::{Survey, SurveyStatus, default_criteria},
        };
        let other = PhotoRef {
            hash: "a".repeat(64),
            ..photo()
        };
        let mut survey = Survey {
            id: SurveyId::new(),
            campaign_id: CampaignId::new(),
            model_id: ModelId::new(),
            surveyor_id: UserId::new(),
            scores: Default::default(),
            rating: None,
            notes: String::new(),
            difficulties: vec![],
            recommendations: String::new(),
            visited_at: None,
            location: None,
            status: SurveyStatus::Draft,
            photos: vec![photo(), other.clone()],
        };
        let criteria = default_criteria();
        assert_eq!(survey.validate(&criteria), Ok(()));

        // Older records, written before photos, read as having none.
        let mut json = serde_json::to_value(&survey).unwrap();
        json.as_object_mut().unwrap().remove("photos");
        let old: Survey = serde_json::from_value(json).unwrap();
        assert!(old.photos.is_empty());

        survey.photos = vec![photo(), other.clone(), photo()];
        let errors = survey.validate(&criteria).unwrap_err();
        assert_eq!(errors.get("photos.2.hash"), Some(Problem::InvalidChoice));
        assert_eq!(errors.0.len(), 1);

        survey.photos = vec![PhotoRef {
            hash: "bad".into(),
            ..photo()
        }];
        let errors = survey.validate(&criteria).unwrap_err();
        assert_eq!(errors.get("photos.0.hash"), Some(Problem::InvalidFormat));

        survey.photos = (0..=PHOTOS_PER_SURVEY)
            .map(|i| PhotoRef {
                hash: format!("{i:064x}"),
                ..photo()
            })
            .collect();
        let errors = survey.validate(&criteria).unwrap_err();
        assert_eq!(errors.get("photos"), Some(Problem::TooLong));
        survey.photos.pop();
        assert_eq!(survey.validate(&criteria), Ok(()));
    }

    #[test]
    fn a_reference_and_the_upload_state_keep_their_wire_shape() {
        assert_eq!(
            serde_json::to_value(photo()).unwrap(),
            serde_json::json!({"hash": HASH, "bytes": 612_345, "width": 2000, "height": 1500})
        );
        let refused = UploadRefused {
            error: ErrorBody {
                code: "wrong_offset".into(),
                message: "…".into(),
                message_en: "…".into(),
                fields: None,
            },
            upload: UploadState {
                received: 262_144,
                complete: false,
            },
        };
        let json = serde_json::to_value(&refused).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "wrong_offset", "message": "…", "message_en": "…",
                               "received": 262_144, "complete": false})
        );
        assert_eq!(
            serde_json::from_value::<UploadRefused>(json.clone()).unwrap(),
            refused
        );
        // A tablet reads it as either.
        assert_eq!(
            serde_json::from_value::<UploadState>(json.clone()).unwrap(),
            refused.upload
        );
        assert_eq!(
            serde_json::from_value::<ErrorBody>(json).unwrap(),
            refused.error
        );
    }
}
