//! Vietnamese text: folding for search that works with or without diacritics ("dan van kheo"
//! finds "Dân vận khéo"), and sort keys that follow Vietnamese dictionary order (a ă â b c d đ
//! e ê …, then tones: none, huyền, hỏi, ngã, sắc, nặng).

/// Base letter and tone of every precomposed Vietnamese vowel, lower case. Tones are numbered in
/// dictionary order: 0 none, 1 huyền, 2 hỏi, 3 ngã, 4 sắc, 5 nặng.
const VOWELS: [(&str, char); 12] = [
    ("aàảãáạ", 'a'),
    ("ăằẳẵắặ", 'ă'),
    ("âầẩẫấậ", 'â'),
    ("eèẻẽéẹ", 'e'),
    ("êềểễếệ", 'ê'),
    ("iìỉĩíị", 'i'),
    ("oòỏõóọ", 'o'),
    ("ôồổỗốộ", 'ô'),
    ("ơờởỡớợ", 'ơ'),
    ("uùủũúụ", 'u'),
    ("ưừửữứự", 'ư'),
    ("yỳỷỹýỵ", 'y'),
];

/// The alphabet in Vietnamese order, with the Latin letters Vietnamese does not use (f j w z)
/// at their Latin places so foreign names sort sensibly.
const ALPHABET: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";

/// Splits a lower-case character into its letter (with ă â ê ô ơ ư đ kept) and its tone.
fn letter_and_tone(c: char) -> (char, u8) {
    for (forms, base) in VOWELS {
        if let Some(tone) = forms.chars().position(|f| f == c) {
            return (base, tone as u8);
        }
    }
    (c, 0)
}

/// Combining marks (text typed in decomposed form) carry tones and shapes: map them too.
fn combining_tone(c: char) -> Option<u8> {
    match c {
        '\u{300}' => Some(1),
        '\u{309}' => Some(2),
        '\u{303}' => Some(3),
        '\u{301}' => Some(4),
        '\u{323}' => Some(5),
        _ => None,
    }
}

fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Plain ASCII-ish form for matching: lower case, tones and vowel shapes removed, đ → d,
/// whitespace collapsed. "Dân Vận  KHÉO" → "dan van kheo".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_combining(c) {
            continue;
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        let (letter, _) = letter_and_tone(c);
        out.push(match letter {
            'ă' | 'â' => 'a',
            'ê' => 'e',
            'ô' | 'ơ' => 'o',
            'ư' => 'u',
            'đ' => 'd',
            other => other,
        });
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Whether `haystack` contains `needle`, ignoring case and diacritics on both sides.
pub fn matches(haystack: &str, needle: &str) -> bool {
    fold(haystack).contains(&fold(needle))
}

/// A key whose byte order is Vietnamese dictionary order of `text`: compare letters first
/// (ignoring tones), then tones left to right. Stored next to names so both databases sort
/// with a plain byte comparison (`COLLATE "C"` on PostgreSQL).
pub fn sort_key(text: &str) -> String {
    let mut letters = String::new();
    let mut tones = String::new();
    let mut last_space = true;
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if is_combining(c) {
            // A decomposed tone mark belongs to the letter before it. Decomposed vowel shapes
            // (breve, circumflex, horn) are rare enough to sort as the base letter.
            if let (Some(tone), Some(last)) = (combining_tone(c), tones.pop()) {
                tones.push(if last == '0' {
                    char::from(b'0' + tone)
                } else {
                    last
                });
            }
            continue;
        }
        let rank = if c.is_whitespace() || (c.is_ascii_punctuation() && c != '-') {
            if last_space {
                continue;
            }
            last_space = true;
            1
        } else if c == '-' {
            last_space = false;
            2
        } else if let Some(digit) = c.to_digit(10) {
            last_space = false;
            10 + digit
        } else {
            last_space = false;
            let (letter, tone) = letter_and_tone(c);
            tones.push(char::from(b'0' + tone));
            match ALPHABET.chars().position(|l| l == letter) {
                Some(position) => 30 + position as u32,
                // Other scripts and symbols after all letters, in code point order.
                None => 100 + (letter as u32 % 150),
            }
        };
        letters.push_str(&format!("{rank:02x}"));
    }
    // "!" sorts before every hex digit, so a shorter word sorts before its extensions.
    format!("{letters}!{tones}")
}

/// A whole number as Vietnamese writes it, thousands grouped with dots: 1.000.000.
pub fn format_number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Reads a whole number typed the Vietnamese way or plainly ("1.000.000", "1 000 000",
/// "1000000", with "đ" or "đồng" after it); `None` for anything else (a decimal comma, letters,
/// a sign, or a number too large). Empty input is `Some(None)`: no figure given.
pub fn parse_number(text: &str) -> Option<Option<u64>> {
    let text = text.trim();
    let text = text
        .strip_suffix("đồng")
        .or_else(|| text.strip_suffix("đ"))
        .unwrap_or(text)
        .trim_end();
    if text.is_empty() {
        return Some(None);
    }
    if !text
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ' ')
    {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok().map(Some)
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_read_and_print_the_vietnamese_way() {
        assert_eq!(super::format_number(0), "0");
        assert_eq!(super::format_number(999), "999");
        assert_eq!(super::format_number(1_000), "1.000");
        assert_eq!(super::format_number(1_000_000), "1.000.000");
        assert_eq!(super::format_number(12_345_678), "12.345.678");
        assert_eq!(super::parse_number("1.000.000"), Some(Some(1_000_000)));
        assert_eq!(super::parse_number(" 1 000 000 đ"), Some(Some(1_000_000)));
        assert_eq!(super::parse_number("250000 đồng"), Some(Some(250_000)));
        assert_eq!(super::parse_number(""), Some(None));
        assert_eq!(super::parse_number("1,5"), None);
        assert_eq!(super::parse_number("-3"), None);
        assert_eq!(super::parse_number("mười"), None);
        assert_eq!(super::parse_number("99999999999999999999999"), None);
    }

    use super::*;

    #[test]
    fn folding_removes_tones_shapes_and_case() {
        assert_eq!(fold("Dân vận KHÉO"), "dan van kheo");
        assert_eq!(fold("Điện Bàn"), "dien ban");
        assert_eq!(fold("  Hội   Liên hiệp  Phụ nữ "), "hoi lien hiep phu nu");
        assert_eq!(fold("Ưu tiên Ờ Ở Ỡ Ớ Ợ"), "uu tien o o o o o");
        // Decomposed input (as some keyboards produce) folds the same.
        assert_eq!(fold("Da\u{302}\u{300}n"), "dan");
    }

    #[test]
    fn search_matches_with_or_without_diacritics() {
        assert!(matches("Mô hình “Dân vận khéo” ở Điện Hòa", "dan van kheo"));
        assert!(matches("Mô hình “Dân vận khéo” ở Điện Hòa", "Điện hòa"));
        assert!(!matches("Điện Hòa", "dien hong"));
    }

    fn sorted(words: &[&str]) -> Vec<String> {
        let mut words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        words.sort_by_key(|w| sort_key(w));
        words
    }

    #[test]
    fn letters_sort_in_vietnamese_order() {
        assert_eq!(
            sorted(&[
                "Đào", "Dũng", "Ân", "Ăn", "An", "Bình", "Ơn", "Ôn", "On", "Ư", "U"
            ]),
            [
                "An", "Ăn", "Ân", "Bình", "Dũng", "Đào", "On", "Ôn", "Ơn", "U", "Ư"
            ]
        );
    }

    #[test]
    fn tones_sort_none_huyen_hoi_nga_sac_nang() {
        assert_eq!(
            sorted(&["mạ", "má", "mã", "mả", "mà", "ma"]),
            ["ma", "mà", "mả", "mã", "má", "mạ"]
        );
    }

    #[test]
    fn letters_decide_before_tones_and_short_before_long() {
        assert_eq!(
            sorted(&["Điện Tiến", "Điện Bàn", "Điện"]),
            ["Điện", "Điện Bàn", "Điện Tiến"]
        );
        assert_eq!(sorted(&["bá", "ban"]), ["bá", "ban"]);
        assert_eq!(
            sorted(&["Thôn 2", "Thôn 10", "Thôn 1"]),
            ["Thôn 1", "Thôn 10", "Thôn 2"]
        );
    }
}
