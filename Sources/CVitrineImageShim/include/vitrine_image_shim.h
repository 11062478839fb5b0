#ifndef VITRINE_IMAGE_SHIM_H
#define VITRINE_IMAGE_SHIM_H
// C side of image decoding: libjpeg's error path needs setjmp/longjmp, which Swift cannot do.
int vitrine_image_shim_version(void);
#endif
