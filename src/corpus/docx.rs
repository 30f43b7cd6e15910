//! Word documents (`.docx`): the paragraphs of `word/document.xml`, read with `zip` and
//! `quick-xml`, become lines of text that the plain-text transcript parser reads (speaker
//! labels, Otter-style headers). Tabs stay tabs; line breaks inside a paragraph become lines.

use std::io::Read;
use std::path::Path;

use quick_xml::events::Event;

use crate::error::{Error, Result};

/// Largest `word/document.xml` read (the XML of a long interview is a few MB).
const MAX_XML_BYTES: u64 = 64 << 20;

/// The text of a `.docx`, one paragraph per line.
pub fn docx_text(path: &Path, bytes: &[u8]) -> Result<String> {
    let not_docx = |why: String| Error::parse(path, 0, format!("not a readable .docx: {why}"));
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| not_docx(e.to_string()))?;
    let mut document = archive
        .by_name("word/document.xml")
        .map_err(|_| not_docx("it has no word/document.xml".into()))?;
    let mut xml = vec![];
    (&mut document)
        .take(MAX_XML_BYTES)
        .read_to_end(&mut xml)
        .map_err(|e| not_docx(e.to_string()))?;
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut lines: Vec<String> = vec![];
    let mut line = String::new();
    let mut in_text = false;
    let mut buffer = vec![];
    loop {
        let event = reader.read_event_into(&mut buffer).map_err(|e| not_docx(e.to_string()))?;
        match event {
            Event::Start(tag) if tag.local_name().as_ref() == b"t" => in_text = true,
            Event::End(tag) => match tag.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => lines.push(std::mem::take(&mut line)),
                _ => {}
            },
            Event::Empty(tag) => match tag.local_name().as_ref() {
                b"tab" => line.push('\t'),
                b"br" | b"cr" => lines.push(std::mem::take(&mut line)),
                b"p" => lines.push(String::new()),
                _ => {}
            },
            Event::Text(text) if in_text => {
                line.push_str(&text.decode().map_err(|e| not_docx(e.to_string()))?);
            }
            Event::GeneralRef(reference) if in_text => {
                if let Ok(Some(c)) = reference.resolve_char_ref() {
                    line.push(c);
                } else {
                    let name = reference.decode().map_err(|e| not_docx(e.to_string()))?;
                    line.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal Word document with these paragraphs (as Word writes them: runs, a tab, an
    /// entity), for tests.
    pub(crate) fn docx(paragraphs: &[&str]) -> Vec<u8> {
        let mut body = String::new();
        for paragraph in paragraphs {
            let escaped = paragraph.replace('&', "&amp;").replace('<', "&lt;");
            let runs: Vec<String> = escaped
                .split('\t')
                .map(|part| {
                    format!(
                        "<w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">{part}</w:t></w:r>"
                    )
                })
                .collect();
            body.push_str(&format!("<w:p><w:pPr/>{}</w:p>", runs.join("<w:r><w:tab/></w:r>")));
        }
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
             <w:body>{body}<w:sectPr/></w:body></w:document>"
        );
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut out);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            writer.start_file("[Content_Types].xml", options).unwrap();
            std::io::Write::write_all(&mut writer, b"<?xml version=\"1.0\"?><Types/>").unwrap();
            writer.start_file("word/document.xml", options).unwrap();
            std::io::Write::write_all(&mut writer, xml.as_bytes()).unwrap();
            writer.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn paragraphs_runs_tabs_and_entities() {
        let bytes = docx(&["Nadia Brennan  0:03", "Why us & not them?", "", "Kwame\tMensah <ok>"]);
        let text = docx_text(Path::new("D-1.docx"), &bytes).unwrap();
        assert_eq!(text, "Nadia Brennan  0:03\nWhy us & not them?\n\nKwame\tMensah <ok>");
        let err = docx_text(Path::new("D-1.docx"), b"plain text").unwrap_err();
        assert!(err.to_string().starts_with("D-1.docx:0: not a readable .docx"), "{err}");
    }
}
