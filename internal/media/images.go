package media

import (
	"image"
	"io"

	"parley/internal/chat"
)

// Images is this package as the chat service's image pipeline; Budget
// bounds the memory its decodes take.
type Images struct{ *Budget }

var _ chat.Images = Images{}

func (Images) Sniff(head []byte) string        { return Sniff(head) }
func (Images) IsImage(contentType string) bool { return IsImage(contentType) }

func (Images) DecodeConfig(contentType string, r io.Reader) (image.Config, error) {
	return DecodeConfig(contentType, r)
}

func (Images) Decode(contentType string, r io.Reader) (image.Image, error) {
	return Decode(contentType, r)
}

// Orientation is 1 for formats other than JPEG, which carry none Parley
// reads.
func (Images) Orientation(contentType string, head []byte) int {
	if contentType != JPEG {
		return 1
	}
	return JPEGOrientation(head)
}

func (Images) Thumbnail(img image.Image, maxSide, o int) (chat.EncodedImage, error) {
	return forChat(Thumbnail(img, maxSide, o))
}

func (Images) Square(img image.Image, side, o int) (chat.EncodedImage, error) {
	return forChat(Square(img, side, o))
}

func forChat(e Encoded, err error) (chat.EncodedImage, error) {
	return chat.EncodedImage{Data: e.Data, ContentType: e.ContentType, Width: e.Width, Height: e.Height}, err
}
