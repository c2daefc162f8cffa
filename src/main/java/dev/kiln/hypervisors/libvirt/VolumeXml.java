package dev.kiln.hypervisors.libvirt;

import static dev.kiln.hypervisors.libvirt.Xml.child;
import static dev.kiln.hypervisors.libvirt.Xml.childWith;

import java.util.Optional;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Builds and reads libvirt storage volume XML. Sizes are bytes. */
final class VolumeXml {

    private VolumeXml() {
    }

    /** Returns the XML of an empty volume of the given format, to be filled by an upload or a copy. */
    static String plain(String name, long capacityBytes, ImageFormat format) {
        Document document = volume(name, capacityBytes);
        Element target = child(document.getDocumentElement(), "target");
        childWith(target, "format", "type", format.libvirtName());
        return Xml.serialize(document);
    }

    /** Returns the XML of a qcow2 volume whose unwritten clusters read from {@code backingPath}. */
    static String overlay(String name, long capacityBytes, String backingPath, ImageFormat backingFormat) {
        Document document = volume(name, capacityBytes);
        Element root = document.getDocumentElement();
        childWith(child(root, "target"), "format", "type", ImageFormat.QCOW2.libvirtName());
        Element backing = child(root, "backingStore");
        child(backing, "path", backingPath);
        childWith(backing, "format", "type", backingFormat.libvirtName());
        return Xml.serialize(document);
    }

    /** Returns the format that libvirt records for the volume, if it records one we know. */
    static Optional<ImageFormat> format(String volumeXml) {
        Document document = Xml.parse(volumeXml);
        NodeList targets = document.getDocumentElement().getElementsByTagName("target");
        if (targets.getLength() == 0) {
            return Optional.empty();
        }
        NodeList formats = ((Element) targets.item(0)).getElementsByTagName("format");
        if (formats.getLength() == 0) {
            return Optional.empty();
        }
        return ImageFormat.fromLibvirtName(((Element) formats.item(0)).getAttribute("type"));
    }

    private static Document volume(String name, long capacityBytes) {
        Document document = Xml.newDocument("volume");
        Element root = document.getDocumentElement();
        child(root, "name", name);
        childWith(root, "capacity", "unit", "bytes").setTextContent(Long.toString(capacityBytes));
        childWith(root, "allocation", "unit", "bytes").setTextContent("0");
        return document;
    }
}
